//! The known intrinsic functions, their names and how many arguments each takes.

use std::fmt;

/// An intrinsic function of the Amazon States Language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `States.Format(template, values...)`: fills each `{}` of the template.
    Format,
    /// `States.StringToJson(text)`: parses JSON text.
    StringToJson,
    /// `States.JsonToString(value)`: serialises a value as compact JSON text.
    JsonToString,
    /// `States.Array(values...)`: an array of its arguments.
    Array,
    /// `States.ArrayPartition(array, size)`: chunks of `size` items.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`: whether the array holds the value.
    ArrayContains,
    /// `States.ArrayRange(start, end, step)`: integers from `start` to `end` inclusive.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`: one item.
    ArrayGetItem,
    /// `States.ArrayLength(array)`: the number of items.
    ArrayLength,
    /// `States.ArrayUnique(array)`: the array without repeated values.
    ArrayUnique,
    /// `States.Base64Encode(text)`: Base64 of the UTF-8 bytes.
    Base64Encode,
    /// `States.Base64Decode(text)`: the text whose Base64 this is.
    Base64Decode,
    /// `States.Hash(text, algorithm)`: a hex digest.
    Hash,
    /// `States.JsonMerge(a, b, false)`: a shallow merge of two objects.
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`: a random integer in `start..end`.
    MathRandom,
    /// `States.MathAdd(a, b)`: the sum of two integers.
    MathAdd,
    /// `States.StringSplit(text, delimiters)`: the pieces between any delimiter characters.
    StringSplit,
    /// `States.UUID()`: a random version 4 UUID.
    Uuid,
}

impl Function {
    /// Every function, in the order of the AWS documentation.
    pub const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    /// The name as written in ASL, such as `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// The function with this exact (case-sensitive) name.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The fewest and the most arguments the function takes (`None`: no upper bound).
    pub fn arity(self) -> (usize, Option<usize>) {
        match self {
            Function::Uuid => (0, Some(0)),
            Function::Array => (0, None),
            Function::Format => (1, None),
            Function::StringToJson
            | Function::JsonToString
            | Function::ArrayLength
            | Function::ArrayUnique
            | Function::Base64Encode
            | Function::Base64Decode => (1, Some(1)),
            Function::ArrayPartition
            | Function::ArrayContains
            | Function::ArrayGetItem
            | Function::Hash
            | Function::MathAdd
            | Function::StringSplit => (2, Some(2)),
            Function::MathRandom => (2, Some(3)),
            Function::ArrayRange | Function::JsonMerge => (3, Some(3)),
        }
    }

    /// Why `count` arguments do not suit this function, if they do not.
    pub fn check_arity(self, count: usize) -> Option<String> {
        let (min, max) = self.arity();
        if count >= min && max.is_none_or(|max| count <= max) {
            return None;
        }
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        let expected = match max {
            None => format!("at least {min} {}", plural(min)),
            Some(0) => "no arguments".to_owned(),
            Some(max) if max == min => format!("{min} {}", plural(min)),
            Some(max) => format!("{min} or {max} arguments"),
        };
        Some(format!(
            "`{}` takes {expected}, but {count} {} given",
            self.name(),
            if count == 1 { "was" } else { "were" }
        ))
    }
}

impl fmt::Display for Function {
    /// The name as written in ASL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for function in Function::ALL {
            assert_eq!(Function::from_name(function.name()), Some(function));
        }
        assert_eq!(Function::from_name("States.format"), None);
        assert_eq!(Function::Uuid.to_string(), "States.UUID");
    }

    #[test]
    fn explains_arity() {
        assert_eq!(Function::MathAdd.check_arity(2), None);
        assert_eq!(
            Function::MathAdd.check_arity(3).unwrap(),
            "`States.MathAdd` takes 2 arguments, but 3 were given"
        );
        assert_eq!(
            Function::ArrayLength.check_arity(0).unwrap(),
            "`States.ArrayLength` takes 1 argument, but 0 were given"
        );
        assert_eq!(
            Function::Format.check_arity(0).unwrap(),
            "`States.Format` takes at least 1 argument, but 0 were given"
        );
        assert_eq!(
            Function::MathRandom.check_arity(1).unwrap(),
            "`States.MathRandom` takes 2 or 3 arguments, but 1 was given"
        );
        assert_eq!(
            Function::Uuid.check_arity(1).unwrap(),
            "`States.UUID` takes no arguments, but 1 was given"
        );
        assert_eq!(Function::Array.check_arity(100), None);
    }
}
