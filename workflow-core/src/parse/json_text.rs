//! JSON text -> `serde_json::Value`, keeping what `Value` would lose: duplicate keys.

use std::cell::RefCell;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map as JsonMap, Value};

use crate::diagnostic::{Code, Diagnostic, InvalidDefinition, Pointer};

/// Parses JSON text, reporting duplicate keys (which `serde_json::Value` would silently
/// merge) as `DUPLICATE_STATE_NAME` under `States`, and as schema errors elsewhere.
pub(crate) fn parse_json_text(text: &str) -> Result<Value, InvalidDefinition> {
    // AWS tells an empty definition (a schema problem) from one that is not JSON at all.
    if text.trim().is_empty() {
        return Err(InvalidDefinition(vec![Diagnostic::new(
            Code::SchemaValidationFailed,
            Pointer::root(),
            "definition must be a valid JSON object",
        )]));
    }
    let duplicates = RefCell::new(Vec::new());
    let seed = Tracked {
        at: Pointer::root(),
        duplicates: &duplicates,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value = seed
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            InvalidDefinition(vec![Diagnostic::new(
                Code::InvalidJson,
                Pointer::root(),
                format!("definition is not valid JSON: {e}"),
            )])
        })?;
    let duplicates = duplicates.into_inner();
    if duplicates.is_empty() {
        return Ok(value);
    }
    Err(InvalidDefinition(
        duplicates.into_iter().map(duplicate_key).collect(),
    ))
}

/// The diagnostic for a key written twice in one object. Both front ends detect duplicates
/// themselves (a `serde_json::Value` cannot hold them) and report them through this.
pub fn duplicate_key(at: Pointer) -> Diagnostic {
    let in_states = at.parent().and_then(|p| p.tokens().last()).as_deref() == Some("States");
    let name = at.tokens().last().unwrap_or_default();
    if in_states {
        Diagnostic::new(
            Code::DuplicateStateName,
            at,
            format!("state `{name}` is defined more than once"),
        )
        .at_key()
    } else {
        Diagnostic::new(
            Code::SchemaValidationFailed,
            at,
            format!("field `{name}` is given more than once"),
        )
        .at_key()
    }
}

struct Tracked<'a> {
    at: Pointer,
    duplicates: &'a RefCell<Vec<Pointer>>,
}

impl<'de> DeserializeSeed<'de> for Tracked<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tracked<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Tracked {
            at: self.at.index(items.len()),
            duplicates: self.duplicates,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = JsonMap::new();
        while let Some(key) = access.next_key::<String>()? {
            let at = self.at.key(&key);
            let value = access.next_value_seed(Tracked {
                at: at.clone(),
                duplicates: self.duplicates,
            })?;
            if map.insert(key, value).is_some() {
                self.duplicates.borrow_mut().push(at);
            }
        }
        Ok(Value::Object(map))
    }
}
