//! Distinct phone-like photos for the attachments benchmark (`scripts/bench-attachments.sh`): COUNT JPEGs of
//! 1280x960 at quality 85 (about the size Zalo and Messenger deliver), each a different gradient with noise so
//! none compresses to nothing and no two are equal.
//!
//!     cargo run --release --example photos -- DIR COUNT
use image::{ImageBuffer, Rgb};
use rand::{Rng, SeedableRng};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "photos".into()));
    let count: usize = args.next().map_or(Ok(100), |n| n.parse())?;
    std::fs::create_dir_all(&dir)?;
    let mut total = 0u64;
    for i in 0..count {
        let mut rng = rand::rngs::StdRng::seed_from_u64(i as u64);
        let (a, b, c) = (rng.random::<u8>(), rng.random::<u8>(), rng.random::<u8>());
        let img = ImageBuffer::from_fn(1280, 960, |x, y| {
            let n: u8 = rng.random_range(0..24);
            Rgb([
                a.wrapping_add((x / 5) as u8).wrapping_add(n),
                b.wrapping_add((y / 4) as u8).wrapping_add(n),
                c.wrapping_add(((x + y) / 9) as u8).wrapping_add(n),
            ])
        });
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85).encode_image(&img)?;
        total += bytes.len() as u64;
        std::fs::write(dir.join(format!("p{i}.jpg")), bytes)?;
    }
    println!(
        "{count} photos, mean {} bytes, in {}",
        total / count.max(1) as u64,
        dir.display()
    );
    Ok(())
}
