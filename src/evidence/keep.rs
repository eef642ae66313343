//! The one way a file becomes evidence: typed by its content, held to the size limit and the rule of where it
//! came from, stripped of metadata (the photo's position kept aside), thumbnailed, stored.
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::media::{self, Class};
use super::store::{Blob, Store};
use crate::config::AttachmentsSettings;
use crate::routing::LatLon;

/// A file in the store, as its row records it.
#[derive(Debug, Clone)]
pub struct Kept {
    pub kind: &'static str,
    pub content_type: String,
    pub bytes: i64,
    pub sha256: String,
    pub thumbnail_sha256: Option<String>,
    /// Where the photo was taken (its EXIF GPS, removed from the copy).
    pub position: Option<LatLon>,
}

/// Where the file is: fetched into memory, or an upload spooled to a temporary file (read back only when its
/// turn comes, so waiting uploads hold no memory).
pub enum Source {
    Memory(Bytes),
    Spooled(std::fs::File),
}

/// What the file must be.
#[derive(Debug, Clone, Copy)]
pub enum Rule<'a> {
    /// The public form's list: JPEG, PNG, WebP, HEIC, PDF, MP4, M4A/AAC.
    Form,
    /// A platform attachment of this kind (`image`, `audio`, `video`, `file`): its content must be of that kind;
    /// a `file` may be anything, and is only ever served as a download.
    Platform(&'a str),
}

/// Why a file is not kept; the message is shown to officers (platform files) or citizens (the form).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("the file is larger than the {0} bytes allowed")]
    TooLarge(u64),
    #[error("the file is empty")]
    Empty,
    #[error("this type of file is not accepted ({0})")]
    NotAllowed(String),
    #[error("the content is not {expected} (it is {found})")]
    NotItsKind {
        expected: &'static str,
        found: String,
    },
    #[error("{0}")]
    Unreadable(String),
    /// The store failed: worth trying again, unlike the others.
    #[error("the file could not be stored: {0}")]
    Store(String),
}

impl Refused {
    /// Whether trying the same file again could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Refused::Store(_))
    }
}

/// Checks and stores files, a few at a time: each holds up to `max_bytes` in memory two or three times over
/// while it is cleaned, so the number in flight bounds the memory, whatever arrives at once.
#[derive(Clone)]
pub struct Keeper {
    pub store: Store,
    pub max_bytes: u64,
    permits: Arc<Semaphore>,
}

/// Files processed at once.
const AT_ONCE: usize = 4;

impl Keeper {
    pub fn new(store: Store, settings: &AttachmentsSettings) -> Keeper {
        Keeper {
            store,
            max_bytes: settings.max_bytes,
            permits: Arc::new(Semaphore::new(AT_ONCE)),
        }
    }

    /// Checks `head` (the first bytes of an upload) against the form's list before the rest is received.
    pub fn form_accepts_head(head: &[u8]) -> Result<(), Refused> {
        admit(media::detect(head).as_ref(), Rule::Form).map(|_| ())
    }

    pub async fn keep(&self, source: Source, rule: Rule<'_>) -> Result<Kept, Refused> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Refused::Store("shutting down".into()))?;
        let bytes = match source {
            Source::Memory(bytes) => bytes,
            Source::Spooled(mut file) => crate::priority::lowest(move || {
                use std::io::{Read, Seek};
                let mut bytes = Vec::new();
                file.rewind()?;
                file.read_to_end(&mut bytes)?;
                Ok::<_, std::io::Error>(Bytes::from(bytes))
            })
            .await
            .map_err(|err| Refused::Store(err.to_string()))?
            .map_err(|err| Refused::Store(format!("cannot read the upload back: {err}")))?,
        };
        if bytes.is_empty() {
            return Err(Refused::Empty);
        }
        if bytes.len() as u64 > self.max_bytes {
            return Err(Refused::TooLarge(self.max_bytes));
        }
        let detected = media::detect(&bytes);
        let (kind, content_type) = admit(detected.as_ref(), rule)?;
        let cleaning_type = content_type.clone();
        // Parsing and re-encoding images is CPU work: off the async threads, and behind intake's.
        let (cleaned, thumbnail) = crate::priority::lowest(move || {
            let cleaned = media::clean(Vec::from(bytes), &cleaning_type)?;
            let thumbnail = media::thumbnail(&cleaned.bytes, &cleaning_type);
            Ok::<_, media::MediaError>((cleaned, thumbnail))
        })
        .await
        .map_err(|err| Refused::Unreadable(format!("the file could not be read: {err}")))?
        .map_err(|err| Refused::Unreadable(err.to_string()))?;
        let size = cleaned.bytes.len() as i64;
        let sha256 = self
            .store
            .put(Blob::File, Bytes::from(cleaned.bytes))
            .await
            .map_err(|err| Refused::Store(err.to_string()))?;
        let thumbnail_sha256 = match thumbnail {
            Some(thumb) => Some(
                self.store
                    .put(Blob::Thumbnail, Bytes::from(thumb))
                    .await
                    .map_err(|err| Refused::Store(err.to_string()))?,
            ),
            None => None,
        };
        Ok(Kept {
            kind,
            content_type,
            bytes: size,
            sha256,
            thumbnail_sha256,
            position: cleaned.position,
        })
    }
}

/// The kind and content type a file is kept as, or why it is refused.
fn admit(
    detected: Option<&media::Detected>,
    rule: Rule<'_>,
) -> Result<(&'static str, String), Refused> {
    let found = || detected.map_or_else(|| "unknown".to_owned(), |d| d.content_type.to_owned());
    match rule {
        Rule::Form => match detected {
            Some(d) if media::form_allows(d) => Ok((kind_of(d.class), d.content_type.to_owned())),
            _ => Err(Refused::NotAllowed(found())),
        },
        Rule::Platform("file") => Ok(match detected {
            Some(d) => (kind_of(d.class), d.content_type.to_owned()),
            None => ("file", "application/octet-stream".to_owned()),
        }),
        Rule::Platform(kind) => {
            let expected = match kind {
                "image" => Class::Image,
                "audio" => Class::Audio,
                "video" => Class::Video,
                _ => return Err(Refused::NotAllowed(kind.to_owned())),
            };
            match detected {
                Some(d) if d.class == expected => Ok((kind_of(d.class), d.content_type.to_owned())),
                _ => Err(Refused::NotItsKind {
                    expected: match expected {
                        Class::Image => "an image",
                        Class::Audio => "audio",
                        _ => "a video",
                    },
                    found: found(),
                }),
            }
        }
    }
}

fn kind_of(class: Class) -> &'static str {
    match class {
        Class::Image => "image",
        Class::Audio => "audio",
        Class::Video => "video",
        Class::Other => "file",
    }
}
