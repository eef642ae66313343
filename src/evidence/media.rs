//! What a citizen's file is, and the copy phananh keeps of it.
//!
//! Types come from the content (magic bytes), never from a name or a header the sender chose. Phones write
//! the GPS position and the device into photos; the kept copy loses that metadata without being re-encoded
//! (evidence keeps its pixels), and the position is handed back once, as a location hint for routing.
//! Every input here is hostile: all reads are bounds-checked, and a container that cannot be walked safely
//! is an error rather than a copy that might still carry metadata.

use std::io::Cursor;
use std::ops::Range;

use bytes::Bytes;
use exif::{Exif, Field, In, Tag, Value};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use img_parts::ImageEXIF;
use img_parts::png::Png;
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{CHUNK_EXIF, CHUNK_VP8X, CHUNK_XMP, WebP};
use phananh_routing::LatLon;

/// What a file is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Image,
    Audio,
    Video,
    Other,
}

/// A file's type, as its content shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub content_type: &'static str,
    pub class: Class,
}

/// By magic bytes (infer); None when unknown. HEIC (HEVC-coded HEIF, what phones write) is `image/heic`,
/// other HEIF `image/heif`. M4A is `audio/mp4`, the registered type browsers play (infer says `audio/m4a`).
pub fn detect(head: &[u8]) -> Option<Detected> {
    let Some(kind) = infer::get(head) else {
        return heif_brand(head).map(|content_type| Detected {
            content_type,
            class: Class::Image,
        });
    };
    let content_type = match kind.mime_type() {
        // infer only matches HEIF carrying a HEVC brand: that is HEIC.
        "image/heif" => heif_brand(head).unwrap_or("image/heic"),
        "audio/m4a" => "audio/mp4",
        other => other,
    };
    let class = match kind.matcher_type() {
        infer::MatcherType::Image => Class::Image,
        infer::MatcherType::Audio => Class::Audio,
        infer::MatcherType::Video => Class::Video,
        _ => Class::Other,
    };
    Some(Detected {
        content_type,
        class,
    })
}

/// HEIC or HEIF from the ftyp box's brands; infer misses HEIF whose brands are only `mif1`/`msf1`.
fn heif_brand(head: &[u8]) -> Option<&'static str> {
    if head.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let size = usize::try_from(be_u32(head, 0)?).ok()?;
    let ftyp = head.get(8..size.min(head.len()))?;
    // The major brand, then (after the minor version) the compatible ones.
    let brands: Vec<&[u8]> = ftyp
        .chunks_exact(4)
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, brand)| brand)
        .collect();
    let has = |names: &[&[u8; 4]]| brands.iter().any(|b| names.iter().any(|n| *b == &n[..]));
    if has(&[b"avif", b"avis"]) {
        None
    } else if has(&[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"]) {
        Some("image/heic")
    } else if has(&[b"mif1", b"msf1"]) {
        Some("image/heif")
    } else {
        None
    }
}

/// The public form's allow-list: JPEG, PNG, WebP, HEIC/HEIF, PDF, MP4, M4A/AAC.
pub fn form_allows(d: &Detected) -> bool {
    matches!(
        d.content_type,
        "image/jpeg"
            | "image/png"
            | "image/webp"
            | "image/heic"
            | "image/heif"
            | "application/pdf"
            | "video/mp4"
            | "audio/mp4"
            | "audio/aac"
    )
}

/// Whether a stored content type may be served with that type (images jpeg/png/webp/gif/heic/heif,
/// audio/*, video/*). Never HTML, SVG, XML or anything scriptable: a browser would run it on our origin.
/// Everything else is served as a download.
pub fn served_inline(content_type: &str) -> bool {
    let essence = essence(content_type);
    if let Some(subtype) = essence
        .strip_prefix("audio/")
        .or_else(|| essence.strip_prefix("video/"))
    {
        return !subtype.is_empty()
            && subtype
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".+-_".contains(&b))
            && !["xml", "html", "svg", "script"]
                .iter()
                .any(|bad| subtype.contains(bad));
    }
    matches!(
        essence.as_str(),
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/heic" | "image/heif"
    )
}

/// The media type without parameters, lower-cased: `Image/JPEG; x=y` is `image/jpeg`.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The kept copy of a file, and the GPS position its metadata held.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleaned {
    pub bytes: Vec<u8>,
    pub position: Option<LatLon>,
    /// Whether anything was removed (or, for HEIF, zeroed).
    pub stripped: bool,
}

/// Why a file could not be cleaned; the upload should be refused rather than kept with its metadata.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(
        "the {format} file is damaged or cut short ({detail}), so its metadata (such as the GPS \
         position) could not be read and removed safely; send the original file again"
    )]
    Damaged {
        format: &'static str,
        detail: &'static str,
    },
    #[error(
        "the {format} file keeps its metadata in a way phananh cannot remove safely ({detail}); \
         send the photo as JPEG or PNG instead"
    )]
    Unsupported {
        format: &'static str,
        detail: &'static str,
    },
}

/// Reads the GPS position (EXIF GPSLatitude/GPSLongitude with their Ref; NaN, out of range and 0,0 are
/// no position), then removes metadata without re-encoding:
///  - JPEG: every APP1 (Exif, XMP), APP13 (IPTC/Photoshop), COM, the MPF index and anything after the
///    end-of-image marker (the extra images MPF indexes: gain maps, motion-photo videos, with their own
///    metadata). APP0 JFIF, ICC APP2 and all other segments are kept byte for byte;
///  - PNG: eXIf (and the older exIf/zxIf), tEXt, zTXt, iTXt (XMP lives there), tIME, data after IEND;
///  - WebP: EXIF and XMP chunks, their VP8X flags, data after the RIFF chunk;
///  - HEIC/HEIF: the bytes of every Exif item and XMP (`mime` application/rdf+xml) item are zeroed in place,
///    so every offset in the file stays valid; a container that cannot be walked is an error;
///  - anything else: unchanged.
///
/// A non-trivial EXIF Orientation (2-8) is written back alone into JPEG, PNG and WebP, as a fresh Exif
/// block: without it a portrait phone photo would show sideways. HEIF rotates with its own `irot` box.
/// When nothing was removed, `bytes` is the input, byte for byte, and `stripped` is false.
pub fn clean(bytes: Vec<u8>, content_type: &str) -> Result<Cleaned, MediaError> {
    let essence = essence(content_type);
    let image = matches!(
        essence.as_str(),
        "image/jpeg" | "image/png" | "image/webp" | "image/heic" | "image/heif"
    );
    if !image {
        return Ok(Cleaned {
            bytes,
            position: None,
            stripped: false,
        });
    }
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(&bytes))
        .ok();
    let position = exif.as_ref().and_then(gps_position);
    let orientation = exif.as_ref().and_then(orientation_exif);

    let (bytes, stripped) = match essence.as_str() {
        "image/jpeg" => match strip_jpeg(&bytes, orientation.as_deref())? {
            Some(cleaned) => (cleaned, true),
            None => (bytes, false),
        },
        "image/png" => strip_png(bytes, orientation)?,
        "image/webp" => strip_webp(bytes, orientation)?,
        _ => {
            let mut bytes = bytes;
            let stripped = zero_heif_metadata(&mut bytes)?;
            (bytes, stripped)
        }
    };
    Ok(Cleaned {
        bytes,
        position,
        stripped,
    })
}

/// The EXIF GPS position in decimal degrees; None unless both coordinates and their refs are present
/// and make a real place (a missing ref would be a guess at the hemisphere).
fn gps_position(exif: &Exif) -> Option<LatLon> {
    let lat = coordinate(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'N', b'S')?;
    let lon = coordinate(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'E', b'W')?;
    let real = lat.is_finite()
        && lon.is_finite()
        && lat.abs() <= 90.0
        && lon.abs() <= 180.0
        && !(lat == 0.0 && lon == 0.0);
    real.then_some(LatLon { lat, lon })
}

/// Degrees, minutes, seconds (rationals) to signed decimal degrees.
fn coordinate(exif: &Exif, value: Tag, reference: Tag, plus: u8, minus: u8) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(value, In::PRIMARY)?.value else {
        return None;
    };
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let degrees: f64 = parts
        .iter()
        .zip([1.0, 60.0, 3600.0])
        .map(|(part, unit)| part.to_f64() / unit)
        .sum();
    let Value::Ascii(refs) = &exif.get_field(reference, In::PRIMARY)?.value else {
        return None;
    };
    match refs.first()?.first()?.to_ascii_uppercase() {
        r if r == plus => Some(degrees),
        r if r == minus => Some(-degrees),
        _ => None,
    }
}

/// A TIFF (Exif) block holding only the Orientation, when it is not the identity.
fn orientation_exif(exif: &Exif) -> Option<Vec<u8>> {
    let orientation = exif
        .get_field(Tag::Orientation, In::PRIMARY)?
        .value
        .get_uint(0)?;
    let orientation = u16::try_from(orientation)
        .ok()
        .filter(|o| (2..=8).contains(o))?;
    let field = Field {
        tag: Tag::Orientation,
        ifd_num: In::PRIMARY,
        value: Value::Short(vec![orientation]),
    };
    let mut writer = exif::experimental::Writer::new();
    writer.push_field(&field);
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).ok()?;
    Some(tiff.into_inner())
}

fn jpeg_damaged(detail: &'static str) -> MediaError {
    MediaError::Damaged {
        format: "JPEG",
        detail,
    }
}

/// The JPEG without its metadata segments and trailer, or None when it has none. Walks the segments the way
/// decoders do (stray bytes skipped), through every scan's entropy-coded data, to the end-of-image marker.
fn strip_jpeg(data: &[u8], orientation: Option<&[u8]>) -> Result<Option<Vec<u8>>, MediaError> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(jpeg_damaged("no start-of-image marker"));
    }
    // Removed ranges, in order, with their marker (0 for the trailer).
    let mut removed: Vec<(Range<usize>, u8)> = Vec::new();
    let mut pos = 2;
    while pos < data.len() {
        if data.get(pos) != Some(&0xFF) {
            pos += 1;
            continue;
        }
        let start = pos;
        let mut at = pos + 1;
        while data.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = data.get(at) else {
            break;
        };
        pos = at + 1;
        match marker {
            0x00 | 0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(jpeg_damaged("a second start-of-image marker")),
            0xD9 => {
                if pos < data.len() {
                    removed.push((pos..data.len(), 0));
                }
                break;
            }
            _ => {}
        }
        let length = usize::from(be_u16(data, pos).ok_or(jpeg_damaged("a segment is cut short"))?);
        if length < 2 {
            return Err(jpeg_damaged("a segment has an impossible length"));
        }
        let end = pos + length;
        let body = data
            .get(pos + 2..end)
            .ok_or(jpeg_damaged("a segment is cut short"))?;
        let metadata = match marker {
            0xE1 | 0xED | 0xFE => true,
            0xE2 => body.starts_with(b"MPF\0"),
            _ => false,
        };
        if metadata {
            removed.push((start..end, marker));
        }
        pos = if marker == 0xDA {
            entropy_end(data, end)
        } else {
            end
        };
    }
    if removed.is_empty() {
        return Ok(None);
    }

    // The orientation goes back where the first APP1 (Exif) was.
    let mut orientation = orientation.and_then(|tiff| {
        let length = u16::try_from(2 + 6 + tiff.len()).ok()?;
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&length.to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(tiff);
        Some(segment)
    });
    let mut out = Vec::with_capacity(data.len());
    let mut kept_from = 0;
    for (range, marker) in removed {
        out.extend_from_slice(data.get(kept_from..range.start).unwrap_or_default());
        if marker == 0xE1
            && let Some(segment) = orientation.take()
        {
            out.extend_from_slice(&segment);
        }
        kept_from = range.end;
    }
    out.extend_from_slice(data.get(kept_from..).unwrap_or_default());
    Ok(Some(out))
}

/// Where a scan's entropy-coded data ends: the first marker that is not stuffing (FF 00) or a restart.
fn entropy_end(data: &[u8], from: usize) -> usize {
    let mut pos = from;
    while let Some(offset) = data
        .get(pos..)
        .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
    {
        let at = pos + offset;
        match data.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7) => pos = at + 2,
            Some(0xFF) => pos = at + 1,
            Some(_) => return at,
            None => break,
        }
    }
    data.len()
}

fn parts_damaged(format: &'static str, err: img_parts::Error) -> MediaError {
    let detail = match err {
        img_parts::Error::WrongSignature => "its signature is wrong",
        img_parts::Error::BadCRC => "a chunk's checksum does not match",
        img_parts::Error::Truncated => "a chunk is cut short",
    };
    MediaError::Damaged { format, detail }
}

/// PNG chunks that carry metadata: Exif (standard and pre-standard names), text (XMP is an iTXt), time.
const PNG_METADATA: [[u8; 4]; 7] = [
    *b"eXIf", *b"exIf", *b"zxIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME",
];

fn strip_png(data: Vec<u8>, orientation: Option<Vec<u8>>) -> Result<(Vec<u8>, bool), MediaError> {
    let original = Bytes::from(data);
    let mut png = Png::from_bytes(original.clone()).map_err(|e| parts_damaged("PNG", e))?;
    let before = png.chunks().len();
    png.chunks_mut()
        .retain(|chunk| !PNG_METADATA.contains(&chunk.kind()));
    // img-parts stops at IEND: a shorter re-encoding means data trailed the image.
    if png.chunks().len() == before && png.len() >= original.len() {
        drop(png);
        return Ok((Vec::from(original), false));
    }
    if let Some(tiff) = orientation {
        png.set_exif(Some(tiff.into()));
    }
    Ok((Vec::from(png.encoder().bytes()), true))
}

/// VP8X flag bits for the chunks removed here.
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

fn strip_webp(data: Vec<u8>, orientation: Option<Vec<u8>>) -> Result<(Vec<u8>, bool), MediaError> {
    let original = Bytes::from(data);
    let mut webp = WebP::from_bytes(original.clone()).map_err(|e| parts_damaged("WebP", e))?;
    let before = webp.chunks().len();
    webp.remove_chunks_by_id(CHUNK_EXIF);
    webp.remove_chunks_by_id(CHUNK_XMP);
    let trailing = usize::try_from(webp.len()).is_ok_and(|len| len < original.len());
    if webp.chunks().len() == before && !trailing {
        drop(webp);
        return Ok((Vec::from(original), false));
    }
    // Extended-format chunks (EXIF among them) are only valid with a VP8X header.
    let extended = webp.has_chunk(CHUNK_VP8X);
    if let Some(tiff) = orientation.filter(|_| extended) {
        webp.chunks_mut()
            .push(RiffChunk::new(CHUNK_EXIF, RiffContent::Data(tiff.into())));
    }
    // img-parts' own flag update leaves the XMP bit set, so the flags are set here.
    let exif_flag = if webp.has_chunk(CHUNK_EXIF) {
        VP8X_EXIF
    } else {
        0
    };
    if let Some(RiffContent::Data(header)) = webp
        .chunks_mut()
        .iter_mut()
        .find(|chunk| chunk.id() == CHUNK_VP8X)
        .map(RiffChunk::content_mut)
    {
        let mut flags = header.to_vec();
        if let Some(first) = flags.first_mut() {
            *first = (*first & !(VP8X_EXIF | VP8X_XMP)) | exif_flag;
        }
        *header = Bytes::from(flags);
    }
    Ok((Vec::from(webp.encoder().bytes()), true))
}

fn heif_damaged(detail: &'static str) -> MediaError {
    MediaError::Damaged {
        format: "HEIF",
        detail,
    }
}

/// Zeroes the Exif and XMP items' bytes in place; whether there were any. The file keeps its length, so
/// every offset in it stays valid, and readers find no metadata.
fn zero_heif_metadata(data: &mut [u8]) -> Result<bool, MediaError> {
    let ranges = heif_metadata_ranges(data)?;
    for range in &ranges {
        if let Some(bytes) = data.get_mut(range.clone()) {
            bytes.fill(0);
        }
    }
    Ok(!ranges.is_empty())
}

/// An ISO-BMFF box: its type, where its payload starts and where the box ends (absolute offsets).
struct BmffBox {
    kind: [u8; 4],
    body: usize,
    end: usize,
}

/// The boxes laid out in `data[start..end]`, which they must fill exactly.
fn boxes(data: &[u8], start: usize, end: usize) -> Result<Vec<BmffBox>, MediaError> {
    let mut found = Vec::new();
    let mut pos = start;
    while pos < end {
        let size32 = be_u32(data, pos).ok_or(heif_damaged("a box is cut short"))?;
        let kind: [u8; 4] = data
            .get(pos + 4..pos + 8)
            .and_then(|k| k.try_into().ok())
            .ok_or(heif_damaged("a box is cut short"))?;
        let (size, mut header) = match size32 {
            0 => (end - pos, 8),
            1 => {
                let large = be_uint(data, pos + 8, 8).ok_or(heif_damaged("a box is cut short"))?;
                (usize::try_from(large).unwrap_or(usize::MAX), 16)
            }
            n => (usize::try_from(n).unwrap_or(usize::MAX), 8),
        };
        if &kind == b"uuid" {
            header += 16;
        }
        let box_end = pos
            .checked_add(size)
            .filter(|&e| size >= header && e <= end)
            .ok_or(heif_damaged("a box's size does not fit its container"))?;
        found.push(BmffBox {
            kind,
            body: pos + header,
            end: box_end,
        });
        pos = box_end;
    }
    Ok(found)
}

/// The one child box of a kind; None when absent, an error when repeated (which one would a reader use?).
fn only<'a>(boxes: &'a [BmffBox], kind: &[u8; 4]) -> Result<Option<&'a BmffBox>, MediaError> {
    let mut matching = boxes.iter().filter(|b| &b.kind == kind);
    let first = matching.next();
    if matching.next().is_some() {
        return Err(heif_damaged("a box that must be unique is repeated"));
    }
    Ok(first)
}

/// Where one item's bytes are (iloc).
struct ItemLocation {
    item_id: u32,
    construction_method: u8,
    data_reference_index: u16,
    base_offset: u64,
    /// Offset and length; length 0 means "to the end of the source".
    extents: Vec<(u64, u64)>,
}

/// The absolute byte ranges of the HEIF's Exif and XMP items.
fn heif_metadata_ranges(data: &[u8]) -> Result<Vec<Range<usize>>, MediaError> {
    let top = boxes(data, 0, data.len())?;
    if top.first().map(|b| &b.kind) != Some(b"ftyp") {
        return Err(heif_damaged("it does not start with a file-type box"));
    }
    let meta = only(&top, b"meta")?.ok_or(heif_damaged("it has no metadata box"))?;
    // meta is a FullBox: version and flags come before its children.
    if meta.body + 4 > meta.end {
        return Err(heif_damaged("the metadata box is cut short"));
    }
    let children = boxes(data, meta.body + 4, meta.end)?;
    let Some(iinf) = only(&children, b"iinf")? else {
        return Ok(Vec::new());
    };
    let metadata_items = metadata_item_ids(data, iinf)?;
    if metadata_items.is_empty() {
        return Ok(Vec::new());
    }
    let iloc =
        only(&children, b"iloc")?.ok_or(heif_damaged("it has items but no item locations"))?;
    let locations = item_locations(data, iloc)?;
    let idat = only(&children, b"idat")?;

    let mut ranges = Vec::new();
    for id in metadata_items {
        let location = locations
            .iter()
            .find(|l| l.item_id == id)
            .ok_or(heif_damaged("a metadata item has no location"))?;
        let source = match location.construction_method {
            // Data in another file: nothing of it is here.
            0 if location.data_reference_index != 0 => continue,
            0 => 0..data.len(),
            1 => {
                let idat = idat.ok_or(heif_damaged("an item points into a missing data box"))?;
                idat.body..idat.end
            }
            _ => {
                return Err(MediaError::Unsupported {
                    format: "HEIF",
                    detail: "metadata built from other items",
                });
            }
        };
        for &(offset, length) in &location.extents {
            let outside = heif_damaged("a metadata item lies outside the file");
            let start = location
                .base_offset
                .checked_add(offset)
                .and_then(|o| usize::try_from(o).ok())
                .and_then(|o| source.start.checked_add(o))
                .filter(|&s| s <= source.end)
                .ok_or(outside)?;
            let end = if length == 0 {
                source.end
            } else {
                usize::try_from(length)
                    .ok()
                    .and_then(|l| start.checked_add(l))
                    .filter(|&e| e <= source.end)
                    .ok_or(heif_damaged("a metadata item lies outside the file"))?
            };
            ranges.push(start..end);
        }
    }
    Ok(ranges)
}

/// The IDs of Exif items and XMP items (`mime` items typed application/rdf+xml) in iinf.
fn metadata_item_ids(data: &[u8], iinf: &BmffBox) -> Result<Vec<u32>, MediaError> {
    let version = *data
        .get(iinf.body)
        .ok_or(heif_damaged("the item list is cut short"))?;
    // After version/flags, an entry count (16 bits in version 0); the children are what counts.
    let entries = iinf.body + 4 + if version == 0 { 2 } else { 4 };
    if entries > iinf.end {
        return Err(heif_damaged("the item list is cut short"));
    }
    let mut ids = Vec::new();
    for infe in boxes(data, entries, iinf.end)?
        .iter()
        .filter(|b| &b.kind == b"infe")
    {
        let mut r = Reader::new(data, infe.body, infe.end);
        let version = r.u8()?;
        r.skip(3)?;
        let (id, metadata) = match version {
            0 | 1 => {
                let id = u32::from(r.u16()?);
                r.skip(2)?;
                r.c_str();
                (id, is_xmp(r.c_str()))
            }
            2 | 3 => {
                let id = if version == 2 {
                    u32::from(r.u16()?)
                } else {
                    r.u32()?
                };
                r.skip(2)?;
                let item_type = r.take(4)?;
                r.c_str();
                let metadata = match item_type {
                    b"Exif" => true,
                    b"mime" => is_xmp(r.c_str()),
                    _ => false,
                };
                (id, metadata)
            }
            _ => return Err(heif_damaged("an item entry has an unknown version")),
        };
        if metadata {
            ids.push(id);
        }
    }
    Ok(ids)
}

fn is_xmp(content_type: &[u8]) -> bool {
    let content_type = String::from_utf8_lossy(content_type);
    let essence = essence(&content_type);
    essence == "application/rdf+xml" || essence == "application/xmp+xml"
}

/// iloc, versions 0 to 2.
fn item_locations(data: &[u8], iloc: &BmffBox) -> Result<Vec<ItemLocation>, MediaError> {
    let mut r = Reader::new(data, iloc.body, iloc.end);
    let version = r.u8()?;
    if version > 2 {
        return Err(heif_damaged("the item locations have an unknown version"));
    }
    r.skip(3)?;
    let sizes = r.u16()?;
    let field = |shift: u16| -> Result<usize, MediaError> {
        match (sizes >> shift) & 0xF {
            n @ (0 | 4 | 8) => Ok(usize::from(n)),
            _ => Err(heif_damaged(
                "the item locations use an impossible field size",
            )),
        }
    };
    let (offset_size, length_size, base_offset_size) = (field(12)?, field(8)?, field(4)?);
    let index_size = if version == 0 { 0 } else { field(0)? };
    let item_count = if version < 2 {
        u32::from(r.u16()?)
    } else {
        r.u32()?
    };
    let mut locations = Vec::new();
    for _ in 0..item_count {
        let item_id = if version < 2 {
            u32::from(r.u16()?)
        } else {
            r.u32()?
        };
        let construction_method = if version == 0 {
            0
        } else {
            (r.u16()? & 0xF) as u8
        };
        let data_reference_index = r.u16()?;
        let base_offset = r.uint(base_offset_size)?;
        let extent_count = r.u16()?;
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            r.skip(index_size)?;
            let offset = r.uint(offset_size)?;
            let length = r.uint(length_size)?;
            extents.push((offset, length));
        }
        locations.push(ItemLocation {
            item_id,
            construction_method,
            data_reference_index,
            base_offset,
            extents,
        });
    }
    Ok(locations)
}

/// Big-endian reads within one box; running past its end is a damaged file.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], pos: usize, end: usize) -> Self {
        Reader { data, pos, end }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], MediaError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.end)
            .ok_or(heif_damaged("a box's fields run past its end"))?;
        let bytes = self
            .data
            .get(self.pos..end)
            .ok_or(heif_damaged("a box's fields run past its end"))?;
        self.pos = end;
        Ok(bytes)
    }

    fn skip(&mut self, n: usize) -> Result<(), MediaError> {
        self.take(n).map(|_| ())
    }

    fn u8(&mut self) -> Result<u8, MediaError> {
        Ok(self.uint(1)? as u8)
    }

    fn u16(&mut self) -> Result<u16, MediaError> {
        Ok(self.uint(2)? as u16)
    }

    fn u32(&mut self) -> Result<u32, MediaError> {
        Ok(self.uint(4)? as u32)
    }

    /// An unsigned big-endian integer of `n` bytes (0 to 8; 0 reads as 0).
    fn uint(&mut self, n: usize) -> Result<u64, MediaError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0, |value, &b| (value << 8) | u64::from(b)))
    }

    /// A NUL-terminated string (the terminator is optional at the end of the box).
    fn c_str(&mut self) -> &'a [u8] {
        let rest = self.data.get(self.pos..self.end).unwrap_or_default();
        let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        self.pos += (len + 1).min(rest.len());
        rest.get(..len).unwrap_or_default()
    }
}

fn be_u16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        data.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        data.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn be_uint(data: &[u8], at: usize, n: usize) -> Option<u64> {
    let bytes = data.get(at..at.checked_add(n)?)?;
    Some(
        bytes
            .iter()
            .fold(0, |value, &b| (value << 8) | u64::from(b)),
    )
}

/// The longer side of a thumbnail, in pixels.
const THUMBNAIL_SIDE: u32 = 320;
/// Decoding limits against decompression bombs: a few bytes can claim a huge image.
const MAX_SIDE: u32 = 10_000;
const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// A JPEG thumbnail, at most 320 px on its longer side, for JPEG/PNG/WebP; None for other types or when the
/// image cannot be decoded within the limits. The EXIF orientation is applied, so it shows upright.
pub fn thumbnail(bytes: &[u8], content_type: &str) -> Option<Vec<u8>> {
    let format = match essence(content_type).as_str() {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        _ => return None,
    };
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    // Not every decoder enforces max_alloc for its output buffer: check it here.
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        return None;
    }
    let orientation = decoder.orientation().ok();
    let image = DynamicImage::from_decoder(decoder).ok()?;
    let mut small = if image.width() > THUMBNAIL_SIDE || image.height() > THUMBNAIL_SIDE {
        image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        image
    };
    if let Some(orientation) = orientation {
        small.apply_orientation(orientation);
    }
    let rgb = on_white(&small);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&rgb)
        .ok()?;
    Some(out)
}

/// JPEG has no alpha: transparent pixels go on white, as a page would show them, not on black.
fn on_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| {
            let (c, a) = (u32::from(c), u32::from(a));
            u8::try_from((c * a + 255 * (255 - a)) / 255).unwrap_or(u8::MAX)
        };
        image::Rgb([over(r), over(g), over(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use exif::Rational;
    use img_parts::jpeg::{Jpeg, JpegSegment};
    use img_parts::png::PngChunk;

    // ---- generators (tests/api/media_files.rs has the same for the API tests) ----

    fn dms(value: f64) -> Vec<Rational> {
        let value = value.abs();
        let degrees = value.trunc();
        let minutes = ((value - degrees) * 60.0).trunc();
        let seconds = ((value - degrees) * 60.0 - minutes) * 60.0;
        vec![
            Rational {
                num: degrees as u32,
                denom: 1,
            },
            Rational {
                num: minutes as u32,
                denom: 1,
            },
            Rational {
                num: (seconds * 10_000.0).round() as u32,
                denom: 10_000,
            },
        ]
    }

    fn ascii(tag: Tag, text: &str) -> Field {
        Field {
            tag,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![text.as_bytes().to_vec()]),
        }
    }

    /// A TIFF (Exif) block with Make/Model "TestPhone", GPS from raw rationals and refs, an orientation.
    fn exif_raw(
        lat: (Vec<Rational>, &str),
        lon: (Vec<Rational>, &str),
        orientation: Option<u16>,
    ) -> Vec<u8> {
        let mut fields = vec![
            ascii(Tag::Make, "TestPhone"),
            ascii(Tag::Model, "TestPhone"),
            ascii(Tag::GPSLatitudeRef, lat.1),
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(lat.0),
            },
            ascii(Tag::GPSLongitudeRef, lon.1),
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(lon.0),
            },
        ];
        if let Some(o) = orientation {
            fields.push(Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![o]),
            });
        }
        let mut writer = exif::experimental::Writer::new();
        for field in &fields {
            writer.push_field(field);
        }
        let mut out = Cursor::new(Vec::new());
        writer.write(&mut out, false).unwrap();
        out.into_inner()
    }

    fn exif_gps(lat: f64, lon: f64) -> Vec<u8> {
        exif_raw(
            (dms(lat), if lat < 0.0 { "S" } else { "N" }),
            (dms(lon), if lon < 0.0 { "W" } else { "E" }),
            None,
        )
    }

    fn colourful(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                (x * 255 / width) as u8,
                (y * 255 / height) as u8,
                ((x + y) % 256) as u8,
            ])
        })
    }

    fn jpeg_of(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(image)
            .unwrap();
        out
    }

    fn plain_jpeg() -> Vec<u8> {
        jpeg_of(&colourful(64, 48))
    }

    fn jpeg_with_exif(jpeg: Vec<u8>, tiff: Vec<u8>) -> Vec<u8> {
        let mut parsed = Jpeg::from_bytes(jpeg.into()).unwrap();
        parsed.set_exif(Some(tiff.into()));
        parsed.encoder().bytes().to_vec()
    }

    fn jpeg_with_gps(lat: f64, lon: f64) -> Vec<u8> {
        jpeg_with_exif(plain_jpeg(), exif_gps(lat, lon))
    }

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(colourful(width, height))
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    fn webp_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let image = colourful(width, height);
        image::codecs::webp::WebPEncoder::new_lossless(&mut out)
            .encode(&image, width, height, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    /// An ISO-BMFF box; a FullBox when `full` has its version and flags.
    fn bmff(kind: &[u8; 4], full: Option<(u8, u32)>, body: &[u8]) -> Vec<u8> {
        let header = if full.is_some() { 12 } else { 8 };
        let mut out = ((header + body.len()) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        if let Some((version, flags)) = full {
            out.push(version);
            out.extend_from_slice(&flags.to_be_bytes()[1..]);
        }
        out.extend_from_slice(body);
        out
    }

    fn infe_v2(id: u16, item_type: &[u8; 4], extra: &[u8]) -> Vec<u8> {
        let mut body = id.to_be_bytes().to_vec();
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(item_type);
        body.push(0); // empty item name
        body.extend_from_slice(extra);
        bmff(b"infe", Some((2, 0)), &body)
    }

    fn hdlr() -> Vec<u8> {
        let mut body = vec![0; 4];
        body.extend_from_slice(b"pict");
        body.extend_from_slice(&[0; 13]);
        bmff(b"hdlr", Some((0, 0)), &body)
    }

    /// The Exif item payload: a 4-byte offset to the TIFF header, then the TIFF data.
    fn exif_item(tiff: &[u8]) -> Vec<u8> {
        let mut payload = vec![0, 0, 0, 0];
        payload.extend_from_slice(tiff);
        payload
    }

    /// ftyp heic + meta (hdlr, iinf with one infe v2 'Exif', iloc v0) + mdat holding the Exif item;
    /// returns the file and where the payload is.
    fn minimal_heif(tiff: &[u8]) -> (Vec<u8>, Range<usize>) {
        let payload = exif_item(tiff);
        let ftyp = bmff(b"ftyp", None, b"heic\0\0\0\0mif1heic");
        let iinf = bmff(
            b"iinf",
            Some((0, 0)),
            &[&1u16.to_be_bytes()[..], &infe_v2(1, b"Exif", b"")].concat(),
        );
        let iloc = |offset: u32| {
            let mut body = vec![0x44, 0x00]; // offset_size 4, length_size 4, base_offset_size 0
            body.extend_from_slice(&1u16.to_be_bytes()); // item_count
            body.extend_from_slice(&1u16.to_be_bytes()); // item_ID
            body.extend_from_slice(&0u16.to_be_bytes()); // data_reference_index
            body.extend_from_slice(&1u16.to_be_bytes()); // extent_count
            body.extend_from_slice(&offset.to_be_bytes());
            body.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            bmff(b"iloc", Some((0, 0)), &body)
        };
        let meta = |offset| {
            bmff(
                b"meta",
                Some((0, 0)),
                &[hdlr(), iinf.clone(), iloc(offset)].concat(),
            )
        };
        let start = ftyp.len() + meta(0).len() + 8;
        let file = [ftyp, meta(start as u32), bmff(b"mdat", None, &payload)].concat();
        (file, start..start + payload.len())
    }

    /// HEIF with iloc v1: an Exif item in idat (construction method 1) and an XMP `mime` item in mdat,
    /// plus an image item that must stay untouched.
    fn heif_with_idat_and_xmp(tiff: &[u8]) -> (Vec<u8>, Vec<Range<usize>>, Range<usize>) {
        let exif = exif_item(tiff);
        let xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>TestPhone</x:xmpmeta>".to_vec();
        let pixels = vec![0xAB; 32];
        let ftyp = bmff(b"ftyp", None, b"mif1\0\0\0\0mif1");
        let infes = [
            infe_v2(1, b"hvc1", b""),
            infe_v2(2, b"Exif", b""),
            infe_v2(3, b"mime", b"application/rdf+xml\0"),
        ]
        .concat();
        let iinf = bmff(
            b"iinf",
            Some((0, 0)),
            &[&3u16.to_be_bytes()[..], &infes].concat(),
        );
        let idat = bmff(b"idat", None, &exif);
        // v1: offset_size 4, length_size 4, base_offset_size 4, index_size 0
        let iloc = |mdat_body: u32| {
            let mut body = vec![0x44, 0x40];
            body.extend_from_slice(&3u16.to_be_bytes());
            let mut item = |id: u16, method: u16, base: u32, offset: u32, length: u32| {
                body.extend_from_slice(&id.to_be_bytes());
                body.extend_from_slice(&method.to_be_bytes());
                body.extend_from_slice(&0u16.to_be_bytes());
                body.extend_from_slice(&base.to_be_bytes());
                body.extend_from_slice(&1u16.to_be_bytes());
                body.extend_from_slice(&offset.to_be_bytes());
                body.extend_from_slice(&length.to_be_bytes());
            };
            item(1, 0, mdat_body, 0, pixels.len() as u32);
            item(2, 1, 0, 0, exif.len() as u32);
            item(3, 0, mdat_body, pixels.len() as u32, xmp.len() as u32);
            bmff(b"iloc", Some((1, 0)), &body)
        };
        let meta = |m| {
            bmff(
                b"meta",
                Some((0, 0)),
                &[hdlr(), iinf.clone(), iloc(m), idat.clone()].concat(),
            )
        };
        let mdat_body = ftyp.len() + meta(0).len() + 8;
        let meta = meta(mdat_body as u32);
        let idat_body = ftyp.len() + meta.len() - idat.len() + 8;
        let file = [
            ftyp,
            meta,
            bmff(b"mdat", None, &[pixels.clone(), xmp.clone()].concat()),
        ]
        .concat();
        let exif_range = idat_body..idat_body + exif.len();
        let xmp_range = mdat_body + pixels.len()..mdat_body + pixels.len() + xmp.len();
        (
            file,
            vec![exif_range, xmp_range],
            mdat_body..mdat_body + pixels.len(),
        )
    }

    fn exif_in(bytes: &[u8]) -> Option<Exif> {
        exif::Reader::new()
            .read_from_container(&mut Cursor::new(bytes))
            .ok()
    }

    fn pixels(bytes: &[u8]) -> RgbImage {
        image::load_from_memory(bytes).unwrap().to_rgb8()
    }

    fn assert_near(position: Option<LatLon>, lat: f64, lon: f64) {
        let position = position.expect("a position");
        assert!(
            (position.lat - lat).abs() < 1e-6,
            "lat {} != {lat}",
            position.lat
        );
        assert!(
            (position.lon - lon).abs() < 1e-6,
            "lon {} != {lon}",
            position.lon
        );
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// xorshift64*: reproducible noise without a seed to manage.
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    // ---- detection and serving ----

    #[test]
    fn detects_each_allowed_type_from_its_header() {
        let mut riff = b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0".to_vec();
        riff.extend_from_slice(&[0; 24]);
        let cases: [(&[u8], &str, Class); 10] = [
            (
                b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0",
                "image/jpeg",
                Class::Image,
            ),
            (
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0",
                "image/png",
                Class::Image,
            ),
            (&riff, "image/webp", Class::Image),
            (
                b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
                "image/heic",
                Class::Image,
            ),
            (
                b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic",
                "image/heic",
                Class::Image,
            ),
            (
                b"\0\0\0\x14ftypmif1\0\0\0\0mif1",
                "image/heif",
                Class::Image,
            ),
            (
                b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj",
                "application/pdf",
                Class::Other,
            ),
            (
                b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41",
                "video/mp4",
                Class::Video,
            ),
            (
                b"\0\0\0\x20ftypM4A \0\0\0\0M4A mp42isom\0\0\0\0",
                "audio/mp4",
                Class::Audio,
            ),
            (
                b"\xFF\xF1\x50\x80\x02\x1F\xFC\x21\0\0",
                "audio/aac",
                Class::Audio,
            ),
        ];
        for (head, content_type, class) in cases {
            let detected = detect(head).unwrap_or_else(|| panic!("{content_type} not detected"));
            assert_eq!(
                detected,
                Detected {
                    content_type,
                    class
                }
            );
            assert!(form_allows(&detected), "{content_type} not allowed");
        }
        let avif = detect(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf").unwrap();
        assert_eq!(avif.content_type, "image/avif");
        assert!(!form_allows(&avif));
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"just some words"), None);
    }

    #[test]
    fn html_named_photo_jpg_is_not_an_image() {
        let pages: [&[u8]; 3] = [
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            b"  <html><img src=x onerror=alert(1)>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        ];
        for page in pages {
            let detected = detect(page);
            assert!(
                detected.as_ref().is_none_or(|d| d.class != Class::Image),
                "{detected:?}"
            );
            assert!(
                detected.as_ref().is_none_or(|d| !form_allows(d)),
                "{detected:?}"
            );
            if let Some(d) = detected {
                assert!(!served_inline(d.content_type));
            }
        }
    }

    #[test]
    fn only_harmless_types_are_served_inline() {
        for yes in [
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "image/heic",
            "image/heif",
            "audio/mp4",
            "audio/aac",
            "audio/mpeg",
            "video/mp4",
            "video/webm",
            "Image/JPEG; charset=binary",
        ] {
            assert!(served_inline(yes), "{yes}");
        }
        for no in [
            "image/svg+xml",
            "IMAGE/SVG+XML",
            "image/svg",
            "text/html",
            "text/xml",
            "application/xml",
            "application/xhtml+xml",
            "text/javascript",
            "application/pdf",
            "application/octet-stream",
            "image/bmp",
            "audio/",
            "video/x+xml",
            "audio/svg",
            "",
            "text/plain",
        ] {
            assert!(!served_inline(no), "{no}");
        }
    }

    // ---- cleaning ----

    #[test]
    fn jpeg_gps_is_returned_and_its_exif_removed() {
        for (lat, lon) in [
            (21.028511, 105.804817),
            (-33.856784, -151.215297),
            (10.5, -0.25),
        ] {
            let original = jpeg_with_gps(lat, lon);
            assert!(exif_in(&original).is_some());
            let cleaned = clean(original.clone(), "image/jpeg").unwrap();
            assert!(cleaned.stripped);
            assert_near(cleaned.position, lat, lon);
            assert!(
                exif_in(&cleaned.bytes).is_none(),
                "EXIF left in the kept copy"
            );
            assert!(!contains(&cleaned.bytes, b"TestPhone"));
            assert!(cleaned.bytes.len() < original.len());
            assert_eq!(pixels(&cleaned.bytes), pixels(&original));
        }
    }

    #[test]
    fn jpeg_without_metadata_comes_back_byte_identical() {
        let original = plain_jpeg();
        let cleaned = clean(original.clone(), "image/jpeg").unwrap();
        assert!(!cleaned.stripped);
        assert_eq!(cleaned.position, None);
        assert_eq!(cleaned.bytes, original);
        // Anything that is not an image is kept as it came.
        let pdf = b"%PDF-1.7 with /Author (someone)".to_vec();
        let kept = clean(pdf.clone(), "application/pdf").unwrap();
        assert_eq!((kept.bytes, kept.stripped), (pdf, false));
    }

    #[test]
    fn jpeg_keeps_jfif_and_icc_but_loses_xmp_iptc_comments_mpf_and_trailer() {
        let mut jpeg = Jpeg::from_bytes(jpeg_with_gps(21.0, 105.0).into()).unwrap();
        let icc = [&b"ICC_PROFILE\0\x01\x01"[..], &[7; 40]].concat();
        let extra = [
            JpegSegment::new_with_contents(0xE2, icc.clone().into()),
            JpegSegment::new_with_contents(
                0xE1,
                Bytes::from_static(b"http://ns.adobe.com/xap/1.0/\0<x>TestPhone</x>"),
            ),
            JpegSegment::new_with_contents(
                0xED,
                Bytes::from_static(b"Photoshop 3.0\08BIM TestPhone"),
            ),
            JpegSegment::new_with_contents(0xFE, Bytes::from_static(b"TestPhone comment")),
            JpegSegment::new_with_contents(0xE2, Bytes::from_static(b"MPF\0II*\0TestPhone")),
        ];
        for (i, segment) in extra.into_iter().enumerate() {
            jpeg.segments_mut().insert(2 + i, segment);
        }
        let mut original = jpeg.encoder().bytes().to_vec();
        original.extend_from_slice(b"TestPhone trailer: a second image or a motion-photo video");

        let cleaned = clean(original.clone(), "image/jpeg").unwrap();
        assert!(cleaned.stripped);
        assert!(!contains(&cleaned.bytes, b"TestPhone"));
        assert!(contains(&cleaned.bytes, b"JFIF\0"));
        assert!(contains(&cleaned.bytes, &icc));
        assert!(cleaned.bytes.ends_with(&[0xFF, 0xD9]));
        assert_eq!(pixels(&cleaned.bytes), pixels(&original));
        let kept = Jpeg::from_bytes(cleaned.bytes.into()).unwrap();
        let markers: Vec<u8> = kept.segments().iter().map(JpegSegment::marker).collect();
        assert!(
            markers.starts_with(&[0xE0, 0xE2]) && !markers.contains(&0xE1),
            "{markers:x?}"
        );
    }

    #[test]
    fn jpeg_orientation_alone_survives_cleaning() {
        let tiff = exif_raw((dms(21.0), "N"), (dms(105.0), "E"), Some(6));
        let original = jpeg_with_exif(jpeg_of(&colourful(40, 20)), tiff);
        let cleaned = clean(original, "image/jpeg").unwrap();
        assert!(cleaned.stripped && cleaned.position.is_some());
        let kept = exif_in(&cleaned.bytes).expect("the orientation block");
        let tags: Vec<Tag> = kept.fields().map(|f| f.tag).collect();
        assert_eq!(tags, [Tag::Orientation]);
        assert_eq!(
            kept.get_field(Tag::Orientation, In::PRIMARY)
                .unwrap()
                .value
                .get_uint(0),
            Some(6)
        );
        // The thumbnail shows it upright: 40x20 rotated a quarter turn.
        let thumb = thumbnail(&cleaned.bytes, "image/jpeg").unwrap();
        assert_eq!(pixels(&thumb).dimensions(), (20, 40));
    }

    #[test]
    fn implausible_positions_are_not_positions() {
        let r = |num, denom| Rational { num, denom };
        let cases = [
            ((dms(0.0), "N"), (dms(0.0), "E")),    // 0,0: an unset fix
            ((dms(91.0), "N"), (dms(105.0), "E")), // out of range
            ((dms(21.0), "N"), (dms(181.0), "W")), // out of range
            ((vec![r(21, 0), r(0, 1), r(0, 1)], "N"), (dms(105.0), "E")), // 21/0
            ((vec![r(0, 0), r(0, 1), r(0, 1)], "N"), (dms(105.0), "E")), // NaN
            ((dms(21.0), "X"), (dms(105.0), "E")), // unknown ref
            ((vec![], "N"), (dms(105.0), "E")),    // no components
        ];
        for (lat, lon) in cases {
            let jpeg = jpeg_with_exif(plain_jpeg(), exif_raw(lat, lon, None));
            let cleaned = clean(jpeg, "image/jpeg").unwrap();
            assert!(cleaned.stripped);
            assert_eq!(cleaned.position, None);
        }
    }

    #[test]
    fn png_exif_and_text_chunks_are_stripped() {
        let original_pixels = png_of(30, 20);
        let mut png = Png::from_bytes(original_pixels.clone().into()).unwrap();
        png.set_exif(Some(exif_gps(-8.5, 115.25).into()));
        let text = PngChunk::new(*b"tEXt", Bytes::from_static(b"Author\0TestPhone"));
        let itxt = PngChunk::new(
            *b"iTXt",
            Bytes::from_static(b"XML:com.adobe.xmp\0\0\0\0\0<x>TestPhone</x>"),
        );
        let time = PngChunk::new(*b"tIME", Bytes::from_static(&[7, 233, 1, 2, 3, 4, 5]));
        for chunk in [text, itxt, time] {
            png.chunks_mut().insert(1, chunk);
        }
        let original = png.encoder().bytes().to_vec();

        let cleaned = clean(original.clone(), "image/png").unwrap();
        assert!(cleaned.stripped);
        assert_near(cleaned.position, -8.5, 115.25);
        assert!(!contains(&cleaned.bytes, b"TestPhone"));
        let kept = Png::from_bytes(cleaned.bytes.clone().into()).unwrap();
        for kind in [*b"eXIf", *b"tEXt", *b"iTXt", *b"tIME"] {
            assert!(kept.chunk_by_type(kind).is_none());
        }
        assert_eq!(pixels(&cleaned.bytes), pixels(&original));
        // Already clean: untouched.
        let again = clean(original_pixels.clone(), "image/png").unwrap();
        assert_eq!((again.bytes, again.stripped), (original_pixels, false));
    }

    #[test]
    fn webp_exif_and_xmp_are_stripped_with_their_flags() {
        let plain = webp_of(24, 16);
        let mut webp = WebP::from_bytes(plain.clone().into()).unwrap();
        webp.chunks_mut().push(RiffChunk::new(
            CHUNK_XMP,
            RiffContent::Data(Bytes::from_static(b"<x>TestPhone</x>")),
        ));
        webp.set_exif(Some(exif_gps(48.8584, 2.2945).into()));
        let original = webp.encoder().bytes().to_vec();
        let flags = |bytes: &[u8]| {
            let webp = WebP::from_bytes(bytes.to_vec().into()).unwrap();
            webp.chunk_by_id(CHUNK_VP8X)
                .and_then(|c| c.content().data()?.first().copied())
        };
        assert_eq!(
            flags(&original).map(|f| f & (VP8X_EXIF | VP8X_XMP)),
            Some(VP8X_EXIF | VP8X_XMP)
        );

        let cleaned = clean(original.clone(), "image/webp").unwrap();
        assert!(cleaned.stripped);
        assert_near(cleaned.position, 48.8584, 2.2945);
        assert!(!contains(&cleaned.bytes, b"TestPhone"));
        let kept = WebP::from_bytes(cleaned.bytes.clone().into()).unwrap();
        assert!(!kept.has_chunk(CHUNK_EXIF) && !kept.has_chunk(CHUNK_XMP));
        assert_eq!(
            flags(&cleaned.bytes).map(|f| f & (VP8X_EXIF | VP8X_XMP)),
            Some(0)
        );
        assert_eq!(pixels(&cleaned.bytes), pixels(&original));
        let again = clean(plain.clone(), "image/webp").unwrap();
        assert_eq!((again.bytes, again.stripped), (plain, false));
    }

    #[test]
    fn heif_exif_item_is_zeroed_in_place() {
        let (original, payload) = minimal_heif(&exif_gps(16.047079, 108.206230));
        assert!(
            exif_in(&original).is_some(),
            "the hand-made HEIF is readable"
        );
        let cleaned = clean(original.clone(), "image/heic").unwrap();
        assert!(cleaned.stripped);
        assert_near(cleaned.position, 16.047079, 108.206230);
        assert_eq!(cleaned.bytes.len(), original.len());
        assert!(cleaned.bytes[payload.clone()].iter().all(|&b| b == 0));
        assert_eq!(cleaned.bytes[..payload.start], original[..payload.start]);
        assert_eq!(cleaned.bytes[payload.end..], original[payload.end..]);
        assert!(exif_in(&cleaned.bytes).is_none());
    }

    #[test]
    fn heif_idat_exif_and_xmp_items_are_zeroed_and_the_image_kept() {
        let (original, metadata, image) = heif_with_idat_and_xmp(&exif_gps(10.0, 106.0));
        assert_eq!(
            detect(&original).map(|d| d.content_type),
            Some("image/heif")
        );
        let cleaned = clean(original.clone(), "image/heif").unwrap();
        assert!(cleaned.stripped);
        assert_eq!(cleaned.bytes.len(), original.len());
        for range in &metadata {
            assert!(
                cleaned.bytes[range.clone()].iter().all(|&b| b == 0),
                "{range:?}"
            );
        }
        assert_eq!(cleaned.bytes[image.clone()], original[image]);
        assert!(!contains(&cleaned.bytes, b"TestPhone"));
        let changed = (0..original.len()).filter(|&i| original[i] != cleaned.bytes[i]);
        assert!(
            changed
                .into_iter()
                .all(|i| metadata.iter().any(|r| r.contains(&i)))
        );
    }

    #[test]
    fn malformed_heif_is_an_error_not_a_pass() {
        let (good, _) = minimal_heif(&exif_gps(16.0, 108.0));
        // An extent running past the end of the file.
        let mut past_end = good.clone();
        past_end.truncate(good.len() - 10);
        assert!(matches!(
            clean(past_end, "image/heic"),
            Err(MediaError::Damaged { .. })
        ));
        // No meta box at all.
        let no_meta = bmff(b"ftyp", None, b"heic\0\0\0\0mif1heic");
        assert!(clean(no_meta, "image/heic").is_err());
        // A box claiming more than its container holds.
        let mut oversized = good.clone();
        oversized[0..4].copy_from_slice(&0xFFFF_u32.to_be_bytes());
        assert!(clean(oversized, "image/heic").is_err());
        // Not a HEIF at all.
        assert!(clean(b"\xFF\xD8 not heif".to_vec(), "image/heic").is_err());
    }

    // ---- hostile input ----

    #[test]
    fn truncated_and_garbage_input_never_panics() {
        let jpeg = jpeg_with_gps(21.0, 105.0);
        for len in 0..=jpeg.len() {
            let prefix = jpeg[..len].to_vec();
            if let Ok(cleaned) = clean(prefix.clone(), "image/jpeg") {
                assert!(
                    !contains(&cleaned.bytes, b"TestPhone"),
                    "prefix {len} kept metadata"
                );
            }
            let _ = thumbnail(&prefix, "image/jpeg");
        }
        let mut png = Png::from_bytes(png_of(20, 10).into()).unwrap();
        png.set_exif(Some(exif_gps(1.0, 2.0).into()));
        let png = png.encoder().bytes().to_vec();
        let mut webp = WebP::from_bytes(webp_of(20, 10).into()).unwrap();
        webp.set_exif(Some(exif_gps(1.0, 2.0).into()));
        let webp = webp.encoder().bytes().to_vec();
        let (heif, _) = minimal_heif(&exif_gps(1.0, 2.0));
        let (heif_idat, _, _) = heif_with_idat_and_xmp(&exif_gps(1.0, 2.0));
        let samples = [
            (png, "image/png"),
            (webp, "image/webp"),
            (heif, "image/heic"),
            (heif_idat, "image/heif"),
            (jpeg, "image/jpeg"),
        ];
        for (file, content_type) in &samples {
            for len in 0..=file.len() {
                let _ = clean(file[..len].to_vec(), content_type);
                let _ = thumbnail(&file[..len], content_type);
            }
        }
        // Random bytes, bare and behind each format's signature; and valid files with bytes flipped.
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
        let signatures: [&[u8]; 6] = [
            b"",
            b"\xFF\xD8\xFF",
            b"\x89PNG\r\n\x1a\n",
            b"RIFF\xFF\0\0\0WEBPVP8X",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x40meta\0\0\0\0",
        ];
        let types = [
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/heic",
            "image/heif",
            "audio/aac",
        ];
        for _ in 0..400 {
            let signature = signatures[noise.below(signatures.len())];
            let len = noise.below(600);
            let bytes = [signature, &noise.bytes(len)].concat();
            let _ = detect(&bytes);
            for content_type in types {
                let _ = clean(bytes.clone(), content_type);
                let _ = thumbnail(&bytes, content_type);
            }
        }
        for (file, content_type) in &samples {
            for _ in 0..300 {
                let mut mutated = file.clone();
                for _ in 0..=noise.below(4) {
                    let at = noise.below(mutated.len());
                    mutated[at] = noise.next() as u8;
                }
                let _ = clean(mutated.clone(), content_type);
                let _ = thumbnail(&mutated, content_type);
            }
        }
    }

    #[test]
    fn decoding_is_bounded() {
        // Wider than the limit: refused before decoding; at the limit: decoded.
        assert_eq!(thumbnail(&png_of(MAX_SIDE + 1, 1), "image/png"), None);
        let at_limit = thumbnail(&png_of(MAX_SIDE, 2), "image/png").unwrap();
        assert_eq!(pixels(&at_limit).dimensions(), (320, 1));
        // A header claiming 9000 x 9000 RGBA (324 MB, over the budget) over a few bytes of data.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let side = 9_000u32.to_be_bytes();
        let chunks = [
            PngChunk::new(
                *b"IHDR",
                [&side[..], &side, &[8, 6, 0, 0, 0]].concat().into(),
            ),
            PngChunk::new(
                *b"IDAT",
                Bytes::from_static(b"\x78\x9c\x63\x00\x00\x00\x01\x00\x01"),
            ),
            PngChunk::new(*b"IEND", Bytes::new()),
        ];
        for chunk in chunks {
            png.extend_from_slice(&chunk.encoder().bytes());
        }
        assert_eq!(thumbnail(&png, "image/png"), None);
    }

    // ---- thumbnails ----

    #[test]
    fn thumbnail_of_a_wide_png_is_a_320_px_jpeg() {
        let thumb = thumbnail(&png_of(1000, 500), "image/png").unwrap();
        assert_eq!(detect(&thumb).map(|d| d.content_type), Some("image/jpeg"));
        assert_eq!(image::guess_format(&thumb).unwrap(), ImageFormat::Jpeg);
        assert_eq!(pixels(&thumb).dimensions(), (320, 160));
        // Small images are not enlarged; other types have none.
        assert_eq!(
            pixels(&thumbnail(&webp_of(24, 16), "image/webp").unwrap()).dimensions(),
            (24, 16)
        );
        assert_eq!(thumbnail(b"%PDF-1.7", "application/pdf"), None);
        assert_eq!(thumbnail(&png_of(10, 10), "image/gif"), None);
    }

    #[test]
    fn transparent_pixels_go_on_white() {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            8,
            8,
            image::Rgba([0, 0, 0, 0]),
        ))
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
        let thumb = thumbnail(&out.into_inner(), "image/png").unwrap();
        assert!(
            pixels(&thumb)
                .pixels()
                .all(|p| p.0.iter().all(|&c| c > 245))
        );
    }
}
