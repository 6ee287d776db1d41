//! Where a distributed Map's `ItemReader` reads its items and its `ResultWriter` writes its
//! results: Amazon S3 on AWS, here an [`ObjectStore`]. [`LocalS3`] is the one this crate
//! ships: a directory standing in for S3, one sub-directory per bucket. It is a stand-in
//! for trying workflows locally, not an S3 implementation: no versions, no permissions, and
//! an ETag that is not S3's MD5.
//!
//! Library users can give the executor any other [`ObjectStore`] (an in-memory one for
//! tests, a real S3 client) with [`crate::Executor::with_object_store`]:
//!
//! ```
//! use std::sync::Arc;
//! use workflow_runtime::{Executor, LocalS3, Resources};
//!
//! // Bucket `data` is the directory `./s3/data`.
//! let executor = Executor::new(Resources::new()).with_object_store(Arc::new(LocalS3::new("s3")));
//! ```

use std::fmt;
use std::future::Future;
use std::path::{Component, Path, PathBuf};
use std::pin::Pin;
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

/// The most bytes one object read may return (an `ItemReader`'s JSON, CSV or manifest).
/// AWS reads far larger objects by streaming them; this runtime holds an object in memory,
/// so it refuses one larger than this rather than exhaust the machine.
pub const MAX_OBJECT_BYTES: u64 = 64 * 1024 * 1024;

/// The most objects one `s3:listObjectsV2` item reader lists. AWS pages through any number
/// of them; this runtime holds the list in memory (and a Map's items are capped anyway).
pub const MAX_LISTED_OBJECTS: usize = 100_000;

/// One object of a listing: what S3's `ListObjectsV2` says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// The object's key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, in seconds since the epoch.
    pub last_modified: i64,
    /// An entity tag, quoted as S3 quotes it (`"\"...\""`).
    pub etag: String,
}

/// Why an object could not be read, listed or written. The messages follow S3's error
/// codes (`NoSuchBucket`, `NoSuchKey`, ...), which AWS quotes in the causes of
/// `States.ItemReaderFailed` and `States.ResultWriterFailed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectError {
    /// The bucket does not exist.
    NoSuchBucket(String),
    /// The key does not exist in the bucket.
    NoSuchKey(String),
    /// The bucket name or key is not one this store accepts (it would leave its directory).
    InvalidKey(String),
    /// The object is larger than the caller allows.
    TooLarge {
        /// Its key.
        key: String,
        /// Its size in bytes.
        size: u64,
        /// The most the caller allows.
        limit: u64,
    },
    /// Any other failure of the store (an I/O error).
    Other(String),
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectError::NoSuchBucket(bucket) => write!(
                f,
                "The specified bucket does not exist (Service: S3, Status Code: 404, Error Code: NoSuchBucket, Bucket: {bucket})"
            ),
            ObjectError::NoSuchKey(key) => write!(
                f,
                "The specified key does not exist. (Service: S3, Status Code: 404, Error Code: NoSuchKey, Key: {key})"
            ),
            ObjectError::InvalidKey(key) => write!(
                f,
                "The key '{key}' is not valid here: it must be relative, with no '.' or '..' segment"
            ),
            ObjectError::TooLarge { key, size, limit } => write!(
                f,
                "The object '{key}' has {size} bytes, more than the {limit} this runtime reads"
            ),
            ObjectError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ObjectError {}

/// What an [`ObjectStore`] call returns: a future, so that a store over a network (an S3
/// client) does not block the executor.
pub type ObjectFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ObjectError>> + Send + 'a>>;

/// Amazon S3 as a distributed Map sees it: read an object, list objects under a prefix,
/// write an object.
pub trait ObjectStore: Send + Sync {
    /// The bytes of `key` in `bucket`; an object larger than `max_bytes` is
    /// [`ObjectError::TooLarge`], not read.
    fn get_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        max_bytes: u64,
    ) -> ObjectFuture<'a, Vec<u8>>;

    /// The objects of `bucket` whose keys start with `prefix`, in the order of their keys
    /// (as `ListObjectsV2` lists them), at most `max_keys` of them.
    fn list_objects<'a>(
        &'a self,
        bucket: &'a str,
        prefix: &'a str,
        max_keys: usize,
    ) -> ObjectFuture<'a, Vec<ObjectSummary>>;

    /// Writes `body` as `key` in `bucket`, replacing any object there.
    fn put_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> ObjectFuture<'a, ()>;
}

/// A directory standing in for S3: bucket `b` is the sub-directory `b`, and key `k/x.json`
/// the file `b/k/x.json` below it. A bucket is a directory that exists (writing does not
/// create buckets, as S3 does not); a key never leaves its bucket's directory.
#[derive(Debug, Clone)]
pub struct LocalS3 {
    root: PathBuf,
}

impl LocalS3 {
    /// A store over `root`, whose sub-directories are the buckets.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalS3 { root: root.into() }
    }

    /// The directory of the store.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of `bucket`, which must exist.
    fn bucket_dir(&self, bucket: &str) -> Result<PathBuf, ObjectError> {
        if bucket.is_empty() || !is_plain_segment(bucket) {
            return Err(ObjectError::InvalidKey(bucket.to_owned()));
        }
        let dir = self.root.join(bucket);
        if dir.is_dir() {
            Ok(dir)
        } else {
            Err(ObjectError::NoSuchBucket(bucket.to_owned()))
        }
    }

    /// The file of `key` in `bucket`. A key is relative and every segment is a plain name:
    /// no `..`, `.`, empty segment or root, so that it cannot name a file outside the
    /// bucket; a symbolic link inside the bucket that points out of it is refused too.
    fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, ObjectError> {
        let dir = self.bucket_dir(bucket)?;
        if key.is_empty() || !key.split('/').all(is_plain_segment) {
            return Err(ObjectError::InvalidKey(key.to_owned()));
        }
        Ok(dir.join(key))
    }

    /// Fails unless `path` (which exists) resolves to a place inside `bucket`'s directory.
    fn check_inside(&self, bucket: &str, key: &str, path: &Path) -> Result<(), ObjectError> {
        let dir = self.bucket_dir(bucket)?;
        let (Ok(dir), Ok(path)) = (dir.canonicalize(), path.canonicalize()) else {
            return Err(ObjectError::NoSuchKey(key.to_owned()));
        };
        if path.starts_with(&dir) {
            Ok(())
        } else {
            Err(ObjectError::InvalidKey(key.to_owned()))
        }
    }
}

/// A key segment that is a name: not empty, `.` or `..`, and with no separator or NUL.
fn is_plain_segment(segment: &str) -> bool {
    let mut components = Path::new(segment).components();
    !segment.contains(['\0', '\\'])
        && matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
        && !segment.ends_with('/')
}

fn io_error(what: &str, error: std::io::Error) -> ObjectError {
    ObjectError::Other(format!("{what}: {error}"))
}

/// A local file system answers at once: the calls run in place.
impl ObjectStore for LocalS3 {
    fn get_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        max_bytes: u64,
    ) -> ObjectFuture<'a, Vec<u8>> {
        Box::pin(std::future::ready(self.get(bucket, key, max_bytes)))
    }

    fn list_objects<'a>(
        &'a self,
        bucket: &'a str,
        prefix: &'a str,
        max_keys: usize,
    ) -> ObjectFuture<'a, Vec<ObjectSummary>> {
        Box::pin(std::future::ready(self.list(bucket, prefix, max_keys)))
    }

    fn put_object<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> ObjectFuture<'a, ()> {
        Box::pin(std::future::ready(self.put(bucket, key, &body)))
    }
}

impl LocalS3 {
    /// [`ObjectStore::get_object`], at once.
    pub fn get(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        use std::io::Read;
        let path = self.object_path(bucket, key)?;
        if !path.is_file() {
            return Err(ObjectError::NoSuchKey(key.to_owned()));
        }
        self.check_inside(bucket, key, &path)?;
        let file = std::fs::File::open(&path).map_err(|e| io_error(key, e))?;
        let size = file.metadata().map_err(|e| io_error(key, e))?.len();
        if size > max_bytes {
            return Err(ObjectError::TooLarge {
                key: key.to_owned(),
                size,
                limit: max_bytes,
            });
        }
        // Read no more than allowed even if the file grows meanwhile.
        let mut body = Vec::with_capacity(size as usize);
        file.take(max_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| io_error(key, e))?;
        if body.len() as u64 > max_bytes {
            return Err(ObjectError::TooLarge {
                key: key.to_owned(),
                size: body.len() as u64,
                limit: max_bytes,
            });
        }
        Ok(body)
    }

    /// [`ObjectStore::list_objects`], at once.
    pub fn list(
        &self,
        bucket: &str,
        prefix: &str,
        max_keys: usize,
    ) -> Result<Vec<ObjectSummary>, ObjectError> {
        let dir = self.bucket_dir(bucket)?;
        let mut keys = Vec::new();
        collect_keys(&dir, "", &mut keys)?;
        // S3 lists keys in the order of their UTF-8 bytes.
        keys.sort();
        keys.into_iter()
            .filter(|key| key.starts_with(prefix))
            .take(max_keys)
            .map(|key| summary(&dir, key))
            .collect()
    }

    /// [`ObjectStore::put_object`], at once.
    pub fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Result<(), ObjectError> {
        let path = self.object_path(bucket, key)?;
        // Check before creating anything: a linked directory on the way could lead out.
        let existing = path.ancestors().skip(1).find(|dir| dir.exists());
        if let Some(existing) = existing {
            self.check_inside(bucket, key, existing)?;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(key, e))?;
            self.check_inside(bucket, key, parent)?;
        }
        // Writing through a link would write wherever it points.
        if path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(ObjectError::InvalidKey(key.to_owned()));
        }
        std::fs::write(&path, body).map_err(|e| io_error(key, e))
    }
}

/// The keys of the regular files below `dir`, each `prefix` + its path with `/` between
/// segments. Symbolic links are not followed, so a listing stays inside the bucket.
fn collect_keys(dir: &Path, prefix: &str, keys: &mut Vec<String>) -> Result<(), ObjectError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(prefix, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(prefix, e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue; // Not UTF-8: no S3 key names it.
        };
        let kind = entry.file_type().map_err(|e| io_error(&name, e))?;
        let key = format!("{prefix}{name}");
        if kind.is_dir() {
            collect_keys(&entry.path(), &format!("{key}/"), keys)?;
        } else if kind.is_file() {
            if keys.len() >= MAX_LISTED_OBJECTS * 10 {
                return Err(ObjectError::Other(format!(
                    "The bucket holds more than {} objects, more than this runtime lists",
                    MAX_LISTED_OBJECTS * 10
                )));
            }
            keys.push(key);
        }
    }
    Ok(())
}

/// What `ListObjectsV2` says of the file of `key`.
fn summary(dir: &Path, key: String) -> Result<ObjectSummary, ObjectError> {
    let metadata = std::fs::metadata(dir.join(&key)).map_err(|e| io_error(&key, e))?;
    let last_modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    // An opaque tag that changes with the object's size, time and key (S3's is the MD5 of
    // its content, which would mean reading every object to list it).
    let digest = Sha256::digest(format!("{key}\0{}\0{last_modified}", metadata.len()));
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(ObjectSummary {
        key,
        size: metadata.len(),
        last_modified,
        etag: format!("\"{hex}\""),
    })
}

#[cfg(test)]
mod tests {
    use super::{LocalS3, ObjectError};

    fn store() -> (tempfile::TempDir, LocalS3) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("bucket")).expect("bucket");
        let store = LocalS3::new(dir.path());
        (dir, store)
    }

    #[test]
    fn writes_reads_and_lists_objects_by_prefix() {
        let (_dir, s3) = store();
        s3.put("bucket", "data/b.json", b"[2]").expect("put");
        s3.put("bucket", "data/a.json", b"[1]").expect("put");
        s3.put("bucket", "other.txt", b"x").expect("put");
        assert_eq!(s3.get("bucket", "data/a.json", 100).expect("get"), b"[1]");
        let listed = s3.list("bucket", "data/", 10).expect("list");
        let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["data/a.json", "data/b.json"]);
        assert_eq!(listed[0].size, 3);
        assert!(listed[0].etag.starts_with('"') && listed[0].etag.len() == 34);
        assert_eq!(s3.list("bucket", "", 1).expect("list").len(), 1);
    }

    #[test]
    fn keys_never_leave_the_bucket() {
        let (dir, s3) = store();
        std::fs::write(dir.path().join("secret"), "s").expect("write");
        for key in [
            "../secret",
            "/etc/passwd",
            "a/../../secret",
            "./x",
            "a//b",
            "",
        ] {
            assert_eq!(
                s3.get("bucket", key, 100),
                Err(ObjectError::InvalidKey(key.to_owned())),
                "{key}"
            );
            assert!(s3.put("bucket", key, b"x").is_err(), "{key}");
        }
        for bucket in ["..", ".", "a/b", ""] {
            assert!(matches!(
                s3.get(bucket, "secret", 100),
                Err(ObjectError::InvalidKey(_))
            ));
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret"), dir.path().join("bucket/link"))
                .expect("symlink");
            assert_eq!(
                s3.get("bucket", "link", 100),
                Err(ObjectError::InvalidKey("link".to_owned()))
            );
            assert!(s3.put("bucket", "link", b"x").is_err());
            assert_eq!(std::fs::read(dir.path().join("secret")).unwrap(), b"s");
            let outside = dir.path().join("outside");
            std::fs::create_dir(&outside).expect("dir");
            std::os::unix::fs::symlink(&outside, dir.path().join("bucket/away")).expect("link");
            assert!(s3.put("bucket", "away/a/b.json", b"x").is_err());
            assert!(!outside.join("a").exists());
        }
    }

    #[test]
    fn missing_buckets_keys_and_large_objects_are_errors() {
        let (_dir, s3) = store();
        assert_eq!(
            s3.get("nope", "k", 10),
            Err(ObjectError::NoSuchBucket("nope".to_owned()))
        );
        assert_eq!(
            s3.get("bucket", "k", 10),
            Err(ObjectError::NoSuchKey("k".to_owned()))
        );
        assert!(s3.put("nope", "k", b"x").is_err());
        s3.put("bucket", "big", &[b'x'; 11]).expect("put");
        assert!(matches!(
            s3.get("bucket", "big", 10),
            Err(ObjectError::TooLarge { size: 11, .. })
        ));
    }
}
