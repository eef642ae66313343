//! `multipart/form-data` submissions: the form's fields plus up to `attachments.max_files` parts named `file`.
//! Each file is spooled to a temporary file as it arrives (memory holds a chunk, whatever the size), its type is
//! checked on its first bytes and its size as it grows, so a refused file is refused before the rest is read. The
//! files are then kept (checked again whole, metadata removed) before the ticket is written: a refusal stores
//! nothing of the submission.
use std::collections::HashMap;
use std::io::Write;

use actix_web::{HttpRequest, dev};
use futures_util::StreamExt;

use crate::config::AttachmentsSettings;
use crate::domain::FieldError;
use crate::evidence::{Keeper, NewEvidence, Refused, Rule, Source};
use crate::routing::LatLon;

/// The fields' text and the files as received.
#[derive(Default)]
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub files: Vec<Received>,
}

pub struct Received {
    /// The file name the browser or app gave (shown to officers, never trusted for the type).
    pub name: Option<String>,
    file: std::fs::File,
}

/// Why a multipart body is refused.
pub enum UploadError {
    /// A file is refused: shown beside the field.
    File(FieldError),
    /// The body is not multipart as declared, or a field is too long.
    Malformed(String),
    /// The spool or the store failed: a server fault.
    Internal(String),
}

/// A text field's largest size (the text itself is held to its own limit afterwards).
const MAX_FIELD_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 32;
/// Bytes that decide a file's type.
const HEAD_BYTES: usize = 4096;

pub const FILE_TYPE: FieldError = FieldError {
    field: "file",
    code: "file_type",
    vi: "Tệp không được nhận: chỉ nhận ảnh (JPEG, PNG, WebP, HEIC), tệp PDF, video MP4 hoặc ghi âm M4A/AAC.",
    en: "This file is not accepted: only photos (JPEG, PNG, WebP, HEIC), PDF files, MP4 videos or M4A/AAC recordings.",
};
pub const FILE_TOO_LARGE: FieldError = FieldError {
    field: "file",
    code: "file_too_large",
    vi: "Tệp quá lớn: mỗi tệp tối đa 25 MB.",
    en: "The file is too large: at most 25 MB per file.",
};
pub const TOO_MANY_FILES: FieldError = FieldError {
    field: "file",
    code: "too_many_files",
    vi: "Gửi quá nhiều tệp: tối đa 5 tệp mỗi lần.",
    en: "Too many files: at most 5 per submission.",
};
pub const FILE_UNREADABLE: FieldError = FieldError {
    field: "file",
    code: "file_unreadable",
    vi: "Không đọc được tệp (tệp hỏng hoặc rỗng), vui lòng chọn tệp khác.",
    en: "The file cannot be read (damaged or empty); please choose another.",
};

pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Reads the whole body into `upload`: fields into memory (bounded), files into temporary files (bounded by the
/// settings). On a refusal `upload` holds the fields read until then, so the form can show them again.
pub async fn read(
    req: &HttpRequest,
    payload: dev::Payload,
    settings: &AttachmentsSettings,
    upload: &mut Upload,
) -> Result<(), UploadError> {
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    let mut parts = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|err| {
            UploadError::Malformed(format!("the multipart body cannot be read: {err}"))
        })?;
        parts += 1;
        if parts > MAX_FIELDS + settings.max_files {
            return Err(UploadError::Malformed("the body has too many parts".into()));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let filename = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(|n| n.chars().take(200).collect::<String>());
            let received = spool(&mut field, settings.max_bytes).await?;
            // A browser sends an empty part when no file was chosen.
            let Some(file) = received else { continue };
            if upload.files.len() == settings.max_files {
                return Err(UploadError::File(TOO_MANY_FILES));
            }
            upload.files.push(Received {
                name: filename.filter(|n| !n.trim().is_empty()),
                file,
            });
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|err| {
                    UploadError::Malformed(format!("the field {name} cannot be read: {err}"))
                })?;
                if value.len() + chunk.len() > MAX_FIELD_BYTES {
                    return Err(UploadError::Malformed(format!(
                        "the field {name} is longer than {MAX_FIELD_BYTES} bytes"
                    )));
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value).map_err(|_| {
                UploadError::Malformed(format!("the field {name} is not valid UTF-8 text"))
            })?;
            upload.fields.insert(name, value);
        }
    }
    Ok(())
}

/// One file part into a temporary file (deleted when dropped); `None` for an empty part.
async fn spool(
    field: &mut actix_multipart::Field,
    max_bytes: u64,
) -> Result<Option<std::fs::File>, UploadError> {
    let internal =
        |err: std::io::Error| UploadError::Internal(format!("cannot spool an upload: {err}"));
    let mut file = tempfile::tempfile().map_err(internal)?;
    let mut head: Vec<u8> = Vec::new();
    let mut size: u64 = 0;
    let mut checked = false;
    while let Some(chunk) = field.next().await {
        let chunk =
            chunk.map_err(|err| UploadError::Malformed(format!("a file cannot be read: {err}")))?;
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(UploadError::File(FILE_TOO_LARGE));
        }
        if !checked {
            let wanted = HEAD_BYTES - head.len();
            head.extend_from_slice(&chunk[..chunk.len().min(wanted)]);
            if head.len() >= HEAD_BYTES {
                Keeper::form_accepts_head(&head).map_err(|_| UploadError::File(FILE_TYPE))?;
                checked = true;
            }
        }
        // Small writes to a local temporary file: blocking them costs less than a thread hop per chunk.
        file.write_all(&chunk).map_err(internal)?;
    }
    if size == 0 {
        return Ok(None);
    }
    if !checked {
        Keeper::form_accepts_head(&head).map_err(|_| UploadError::File(FILE_TYPE))?;
    }
    Ok(Some(file))
}

/// Keeps every file (one refusal refuses them all, before any ticket exists); the rows to write and the first
/// photo's position.
pub async fn keep_all(
    keeper: &Keeper,
    files: Vec<Received>,
) -> Result<(Vec<NewEvidence>, Option<LatLon>), UploadError> {
    let mut evidence = Vec::with_capacity(files.len());
    let mut position = None;
    for received in files {
        let kept = keeper
            .keep(Source::Spooled(received.file), Rule::Form)
            .await
            .map_err(|refused| match refused {
                Refused::TooLarge(_) => UploadError::File(FILE_TOO_LARGE),
                Refused::NotAllowed(_) | Refused::NotItsKind { .. } => UploadError::File(FILE_TYPE),
                Refused::Empty | Refused::Unreadable(_) => UploadError::File(FILE_UNREADABLE),
                Refused::Store(err) => {
                    UploadError::Internal(format!("cannot store an upload: {err}"))
                }
            })?;
        metrics::counter!("attachments_kept_total", "source" => "form").increment(1);
        position = position.or(kept.position);
        evidence.push(NewEvidence::Kept {
            name: received.name,
            kept,
        });
    }
    Ok((evidence, position))
}
