//! `States.Base64Encode` and `States.Base64Decode`.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use super::IntrinsicError;
use super::args::Args;

/// AWS limits the input of both functions to 10,000 characters.
pub(crate) const MAX_INPUT_CHARS: usize = 10_000;

/// The standard alphabet, padded on output. On input, padding is optional and unused
/// trailing bits are ignored, as Java's basic decoder allows.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// `States.Base64Encode(text)`: the Base64 of the text's UTF-8 bytes.
pub(crate) fn base64_encode(args: &Args) -> Result<Value, IntrinsicError> {
    let text = limited(args, "the string to encode")?;
    Ok(Value::String(BASE64.encode(text)))
}

/// `States.Base64Decode(text)`: the UTF-8 text whose Base64 this is.
pub(crate) fn base64_decode(args: &Args) -> Result<Value, IntrinsicError> {
    let text = limited(args, "the string to decode")?;
    let bytes = BASE64
        .decode(text)
        .map_err(|e| args.fail(format!("the string is not valid Base64: {e}")))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| args.fail("the decoded data is not UTF-8 text"))
}

/// The first argument as a string of at most [`MAX_INPUT_CHARS`] characters.
pub(crate) fn limited<'a>(args: &'a Args, what: &str) -> Result<&'a str, IntrinsicError> {
    let text = args.string(0, what)?;
    let count = text.chars().count();
    if count > MAX_INPUT_CHARS {
        return Err(args.fail(format!(
            "{what} has {count} characters, more than the {MAX_INPUT_CHARS} allowed"
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::intrinsics::{Call, Evaluate, IntrinsicError};

    fn eval(text: &str, input: Value) -> Result<Value, IntrinsicError> {
        Call::parse(text)?.evaluate(&|path| Ok(path.read(&input).unwrap_or_default()))
    }

    #[test]
    fn round_trips_text() {
        assert_eq!(
            eval("States.Base64Encode($)", json!("Data to encode")).unwrap(),
            json!("RGF0YSB0byBlbmNvZGU=")
        );
        assert_eq!(
            eval("States.Base64Encode($)", json!("")).unwrap(),
            json!("")
        );
        assert_eq!(
            eval("States.Base64Encode($)", json!("é")).unwrap(),
            json!("w6k=")
        );
        assert_eq!(
            eval("States.Base64Decode($)", json!("RGF0YSB0byBlbmNvZGU=")).unwrap(),
            json!("Data to encode")
        );
        assert_eq!(
            eval("States.Base64Decode($)", json!("w6k")).unwrap(),
            json!("é")
        );
    }

    #[test]
    fn refuses_bad_input() {
        assert!(
            eval("States.Base64Decode($)", json!("not base64!"))
                .unwrap_err()
                .message
                .starts_with("States.Base64Decode: the string is not valid Base64")
        );
        assert_eq!(
            eval("States.Base64Decode($)", json!("//8="))
                .unwrap_err()
                .message,
            "States.Base64Decode: the decoded data is not UTF-8 text"
        );
        assert_eq!(
            eval("States.Base64Encode($)", json!("x".repeat(10_001)))
                .unwrap_err()
                .message,
            "States.Base64Encode: the string to encode has 10001 characters, more than the 10000 allowed"
        );
        assert!(eval("States.Base64Encode($)", json!(1)).is_err());
    }
}
