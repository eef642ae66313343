//! Where kept files live: a folder by default, an S3-compatible bucket for several instances. Content-addressed:
//! a file's key is its sha256, so a photo sent twice is stored once and a retried download writes nothing new.
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use crate::config::AttachmentsSettings;

#[derive(Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// For messages: the folder or bucket, never credentials.
    pub location: String,
}

/// What a stored file is keyed by: a file, or the thumbnail made from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blob {
    File,
    Thumbnail,
}

impl Store {
    /// `attachments.store`: `s3://bucket` (with `attachments.s3_endpoint`), else a folder, created if missing.
    pub fn open(settings: &AttachmentsSettings) -> anyhow::Result<Store> {
        let location = settings.store.trim().to_owned();
        let inner: Arc<dyn ObjectStore> = if let Some(bucket) = location.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            anyhow::ensure!(
                !bucket.is_empty() && !bucket.contains('/'),
                "attachments.store must be s3://bucket (no folder inside the bucket)"
            );
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            for (value, set) in [
                (
                    &settings.s3_region,
                    AmazonS3Builder::with_region as fn(_, String) -> _,
                ),
                (
                    &settings.s3_access_key_id,
                    AmazonS3Builder::with_access_key_id,
                ),
                (
                    &settings.s3_secret_access_key,
                    AmazonS3Builder::with_secret_access_key,
                ),
            ] {
                if !value.trim().is_empty() {
                    builder = set(builder, value.trim().to_owned());
                }
            }
            let endpoint = settings.s3_endpoint.trim();
            if !endpoint.is_empty() {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(endpoint.starts_with("http://"))
                    // S3-compatible servers (MinIO, Ceph, moto) answer at endpoint/bucket.
                    .with_virtual_hosted_style_request(false);
            }
            Arc::new(builder.build()?)
        } else {
            std::fs::create_dir_all(&location).map_err(|err| {
                anyhow::anyhow!("cannot create the attachments folder {location}: {err}")
            })?;
            Arc::new(LocalFileSystem::new_with_prefix(&location)?)
        };
        Ok(Store { inner, location })
    }

    /// Stores `bytes` under their sha256 (hex) and returns it. Writing what is already there is harmless.
    pub async fn put(&self, blob: Blob, bytes: Bytes) -> object_store::Result<String> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let path = key(blob, &sha256);
        if self.inner.head(&path).await.is_err() {
            self.inner.put(&path, PutPayload::from(bytes)).await?;
        }
        Ok(sha256)
    }

    pub async fn get(&self, blob: Blob, sha256: &str) -> object_store::Result<Bytes> {
        self.inner.get(&key(blob, sha256)).await?.bytes().await
    }

    /// Deletes a file; one already gone is no error.
    pub async fn delete(&self, blob: Blob, sha256: &str) -> object_store::Result<()> {
        match self.inner.delete(&key(blob, sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

/// `files/ab/abcdef...`: two hex digits of fan-out keep a folder's entries few on a plain file system.
fn key(blob: Blob, sha256: &str) -> Path {
    let folder = match blob {
        Blob::File => "files",
        Blob::Thumbnail => "thumbnails",
    };
    let fan = sha256.get(..2).unwrap_or("00");
    Path::from(format!("{folder}/{fan}/{sha256}"))
}
