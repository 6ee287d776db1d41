//! [`Call`] back to text, in a canonical form that parses to the same call.

use std::fmt::{self, Write as _};

use super::template::{Piece, Template};
use super::{Arg, Call};

impl fmt::Display for Call {
    /// `States.Name(arg, arg)`: one space after each comma, strings single-quoted with
    /// `'`, `{`, `}` and `\` escaped (except the placeholders of a `States.Format` template).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match (i, &self.template) {
                (0, Some(template)) => write_template(template, f)?,
                _ => write!(f, "{arg}")?,
            }
        }
        f.write_char(')')
    }
}

impl fmt::Display for Arg {
    /// The argument as it would be written in a call.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::String(text) => {
                f.write_char('\'')?;
                write_escaped(text, f)?;
                f.write_char('\'')
            }
            Arg::Number(n) => write!(f, "{n}"),
            Arg::Bool(b) => write!(f, "{b}"),
            Arg::Null => f.write_str("null"),
            Arg::Path(path) => write!(f, "{path}"),
            Arg::Call(call) => write!(f, "{call}"),
        }
    }
}

fn write_template(template: &Template, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_char('\'')?;
    for piece in &template.0 {
        match piece {
            Piece::Text(text) => write_escaped(text, f)?,
            Piece::Hole => f.write_str("{}")?,
        }
    }
    f.write_char('\'')
}

fn write_escaped(text: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for c in text.chars() {
        if matches!(c, '\'' | '{' | '}' | '\\') {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::intrinsics::{Arg, Call, Function};
    use crate::path::Path;

    #[test]
    fn renders_canonically() {
        let call =
            Call::parse(r"States.Format( '\{\} {} it\'s \\' ,$.a,States.Array( 1,true ,null) )")
                .unwrap();
        assert_eq!(
            call.to_string(),
            r"States.Format('\{\} {} it\'s \\', $.a, States.Array(1, true, null))"
        );
        let plain = Call::new(
            Function::StringSplit,
            vec![Arg::String("a{b}".into()), Arg::String(",".into())],
        );
        assert_eq!(plain.to_string(), r"States.StringSplit('a\{b\}', ',')");
    }

    fn arg() -> impl Strategy<Value = Arg> {
        let leaf = prop_oneof![
            "[a-z{}'\\\\ ,()$]{0,6}".prop_map(Arg::String),
            (-1000i64..1000).prop_map(|n| Arg::Number(n.into())),
            any::<bool>().prop_map(Arg::Bool),
            Just(Arg::Null),
            prop_oneof![
                Just("$"),
                Just("$.a"),
                Just("$$.Execution.Input['x, y']"),
                Just("$v[0]")
            ]
            .prop_map(|p| Arg::Path(Path::parse(p).unwrap())),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop::collection::vec(inner, 0..3)
                .prop_map(|args| Arg::Call(Call::new(Function::Array, args)))
        })
    }

    proptest! {
        #[test]
        fn rendering_parses_back_to_the_same_call(args in prop::collection::vec(arg(), 0..4)) {
            let call = Call::new(Function::Array, args);
            let text = call.to_string();
            let parsed = Call::parse(&text).unwrap();
            prop_assert_eq!(parsed.to_string(), text);
            prop_assert_eq!(parsed.args, call.args);
        }

        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,40}") {
            let _ = Call::parse(&text);
        }
    }
}
