//! `States.Hash`.

use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::IntrinsicError;
use super::args::Args;
use super::encoding::limited;

/// The algorithms AWS accepts, by their exact names.
const ALGORITHMS: [&str; 5] = ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"];

/// `States.Hash(text, algorithm)`: the lowercase hex digest of the text's UTF-8 bytes.
pub(crate) fn hash(args: &Args) -> Result<Value, IntrinsicError> {
    let text = limited(args, "the data to hash")?;
    let algorithm = args.string(1, "the algorithm")?;
    match hex_digest(algorithm, text.as_bytes()) {
        Some(digest) => Ok(Value::String(digest)),
        None => Err(args.fail(format!(
            "unsupported algorithm '{algorithm}': expected one of {}",
            ALGORITHMS.join(", ")
        ))),
    }
}

/// The lowercase hex digest of `bytes` by one of [`ALGORITHMS`], `None` for another name;
/// JSONata's `$hash` (an AWS addition) takes the same names.
pub(crate) fn hex_digest(algorithm: &str, bytes: &[u8]) -> Option<String> {
    let digest = match algorithm {
        "MD5" => Md5::digest(bytes).to_vec(),
        "SHA-1" => Sha1::digest(bytes).to_vec(),
        "SHA-256" => Sha256::digest(bytes).to_vec(),
        "SHA-384" => Sha384::digest(bytes).to_vec(),
        "SHA-512" => Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::intrinsics::{Call, Evaluate, IntrinsicError};

    fn hash(algorithm: &str) -> Result<Value, IntrinsicError> {
        Call::parse(&format!("States.Hash('input data', '{algorithm}')"))?
            .evaluate(&|_| Ok(Value::Null))
    }

    #[test]
    fn digests_with_each_algorithm() {
        // The recorded AWS cases hash_00 to hash_04; SHA-1 from `sha1sum`.
        assert_eq!(
            hash("MD5").unwrap(),
            json!("812f45842bc6d66ee14572ce20db8e86")
        );
        assert_eq!(
            hash("SHA-1").unwrap(),
            json!("aaff4a450a104cd177d28d18d74485e8cae074b7")
        );
        assert_eq!(
            hash("SHA-256").unwrap(),
            json!("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3")
        );
        assert_eq!(
            hash("SHA-384").unwrap(),
            json!(
                "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"
            )
        );
        assert_eq!(
            hash("SHA-512").unwrap(),
            json!(
                "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce\
                 2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"
            )
        );
    }

    #[test]
    fn refuses_unknown_algorithms() {
        assert_eq!(
            hash("sha-256").unwrap_err().message,
            "States.Hash: unsupported algorithm 'sha-256': expected one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
        );
    }
}
