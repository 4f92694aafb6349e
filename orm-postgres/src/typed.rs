//! PostgreSQL's typed columns (`DATE`, `TIMESTAMP`, `TIMESTAMPTZ`, `UUID`,
//! `JSON`, `JSONB`, `NUMERIC`) to and from the text forms in which
//! `orm_core` carries them ([`orm_core::types::text`]), in the binary
//! format of the wire protocol.
//!
//! The server's special values that the text forms do not have (an
//! infinite date, a `NaN` numeric) read as text that no column type
//! parses (`infinity`, `NaN`), so the model reports them as a conversion
//! error naming the column.

use std::fmt::Write as _;

use orm_core::types::text::{CivilDate, CivilDateTime};
use postgres::types::Type;

use crate::error::ConversionError;

/// Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;
const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * 86_400_000_000;

/// Whether the type is one of those this module converts.
pub(crate) fn is_typed(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::DATE
            | Type::TIMESTAMP
            | Type::TIMESTAMPTZ
            | Type::UUID
            | Type::JSON
            | Type::JSONB
            | Type::NUMERIC
    )
}

fn bad_text(text: &str, ty: &Type) -> ConversionError {
    ConversionError::Text {
        text: text.chars().take(100).collect(),
        ty: ty.name().to_owned(),
    }
}

fn malformed(ty: &Type) -> ConversionError {
    ConversionError::Malformed {
        ty: ty.name().to_owned(),
    }
}

/// Appends the binary form of `text` as a value of `ty` (one of
/// [`is_typed`]).
pub(crate) fn encode(text: &str, ty: &Type, out: &mut Vec<u8>) -> Result<(), ConversionError> {
    let bad = || bad_text(text, ty);
    match *ty {
        Type::DATE => {
            let date = CivilDate::parse(text).ok_or_else(bad)?;
            let days =
                i32::try_from(date.days_since_unix_epoch() - PG_EPOCH_DAYS).map_err(|_| bad())?;
            out.extend_from_slice(&days.to_be_bytes());
        }
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            let (time, offset) = CivilDateTime::parse(text).ok_or_else(bad)?;
            if *ty == Type::TIMESTAMP && offset.is_some() {
                return Err(bad());
            }
            let micros = time.micros_since_unix_epoch()
                - i64::from(offset.unwrap_or(0)) * 1_000_000
                - PG_EPOCH_MICROS;
            out.extend_from_slice(&micros.to_be_bytes());
        }
        Type::UUID => out.extend_from_slice(&parse_uuid(text).ok_or_else(bad)?),
        Type::JSON => out.extend_from_slice(text.as_bytes()),
        Type::JSONB => {
            // Format version 1, then the text.
            out.push(1);
            out.extend_from_slice(text.as_bytes());
        }
        Type::NUMERIC => encode_numeric(text, out).ok_or_else(bad)?,
        _ => return Err(bad()),
    }
    Ok(())
}

/// The text form of a binary value of `ty` (one of [`is_typed`]).
pub(crate) fn decode(raw: &[u8], ty: &Type) -> Result<String, ConversionError> {
    let bad = || malformed(ty);
    Ok(match *ty {
        Type::DATE => {
            let days = i32::from_be_bytes(raw.try_into().map_err(|_| bad())?);
            match CivilDate::from_days_since_unix_epoch(i64::from(days) + PG_EPOCH_DAYS) {
                Some(date) => date.to_string(),
                None if days == i32::MAX => "infinity".to_owned(),
                None if days == i32::MIN => "-infinity".to_owned(),
                None => format!("{days} days from 2000-01-01"),
            }
        }
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            let micros = i64::from_be_bytes(raw.try_into().map_err(|_| bad())?);
            let suffix = if *ty == Type::TIMESTAMPTZ {
                "+00:00"
            } else {
                ""
            };
            match CivilDateTime::from_micros_since_unix_epoch(
                micros.saturating_add(PG_EPOCH_MICROS),
            ) {
                Some(time) => format!("{time}{suffix}"),
                None if micros == i64::MAX => "infinity".to_owned(),
                None if micros == i64::MIN => "-infinity".to_owned(),
                None => format!("{micros} microseconds from 2000-01-01"),
            }
        }
        Type::UUID => {
            let bytes: &[u8; 16] = raw.try_into().map_err(|_| bad())?;
            let mut text = String::with_capacity(36);
            for (i, byte) in bytes.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    text.push('-');
                }
                let _ = write!(text, "{byte:02x}");
            }
            text
        }
        Type::JSON => std::str::from_utf8(raw).map_err(|_| bad())?.to_owned(),
        Type::JSONB => match raw.split_first() {
            Some((1, body)) => {
                let text = std::str::from_utf8(body).map_err(|_| bad())?;
                canonical_json(text).ok_or_else(bad)?
            }
            _ => return Err(bad()),
        },
        Type::NUMERIC => decode_numeric(raw).ok_or_else(bad)?,
        _ => return Err(bad()),
    })
}

/// A JSON value of a document, its scalars kept as written.
enum Json<'a> {
    /// A string (with its quotes and escapes), number or literal.
    Scalar(&'a str),
    Array(Vec<Json<'a>>),
    /// Members by their key as written (with quotes).
    Object(Vec<(&'a str, Json<'a>)>),
}

/// `jsonb`'s text (`{"b": 1, "aa": [1, 2]}`: spaces after `:` and `,`,
/// keys shortest first) in the form `orm_core` writes documents in, that of
/// `serde_json`: no spaces, keys in byte order (`{"aa":[1,2],"b":1}`), so
/// that a document read back equals the one written and its object is not
/// seen as changed. Keys are ordered as written, escapes and all (a key
/// with escapes may sort differently from `serde_json`'s order).
fn canonical_json(text: &str) -> Option<String> {
    let mut parser = JsonParser { text, at: 0 };
    let value = parser.value()?;
    parser.skip_space();
    if parser.at != text.len() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    write_json(&value, &mut out);
    Some(out)
}

struct JsonParser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> JsonParser<'a> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn value(&mut self) -> Option<Json<'a>> {
        match self.peek()? {
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                Some(Json::Array(items))
            }
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        let key = self.string()?;
                        self.eat(b':').then_some(())?;
                        members.push((key, self.value()?));
                        if self.eat(b'}') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                Some(Json::Object(members))
            }
            b'"' => self.string().map(Json::Scalar),
            _ => {
                let start = self.at;
                let len = self.text[start..]
                    .find(|c: char| matches!(c, ',' | ':' | ']' | '}') || c.is_whitespace())
                    .unwrap_or(self.text.len() - start);
                self.at += len;
                (len > 0).then(|| Json::Scalar(&self.text[start..start + len]))
            }
        }
    }

    /// A string with its quotes.
    fn string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at;
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        loop {
            match bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        self.at = i + 1;
        Some(&self.text[start..=i])
    }
}

fn write_json(value: &Json<'_>, out: &mut String) {
    match value {
        Json::Scalar(text) => out.push_str(text),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            let mut members: Vec<&(&str, Json<'_>)> = members.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(key);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// 32 hex digits, hyphens anywhere between them.
fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|&b| b != b'-')
        .map(|b| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok()))
        .collect::<Option<_>>()?;
    if digits.len() != 32 || text.len() > 36 {
        return None;
    }
    let mut bytes = [0; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        bytes[i] = pair[0] << 4 | pair[1];
    }
    Some(bytes)
}

const NUMERIC_NEGATIVE: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_POS_INF: u16 = 0xD000;
const NUMERIC_NEG_INF: u16 = 0xF000;

/// `[-]digits[.digits]` as PostgreSQL's NUMERIC: base-10000 digits with
/// the weight of the first, a sign and the display scale.
fn encode_numeric(text: &str, out: &mut Vec<u8>) -> Option<()> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_only(int) || !digits_only(frac) {
        return None;
    }
    let scale = u16::try_from(frac.len()).ok()?;
    let int = int.trim_start_matches('0');
    let groups = |s: &str| -> Vec<i16> {
        s.as_bytes()
            .chunks(4)
            .map(|c| c.iter().fold(0_i16, |n, d| n * 10 + i16::from(d - b'0')))
            .collect()
    };
    let int_padded = format!("{}{int}", "0".repeat((4 - int.len() % 4) % 4));
    let frac_padded = format!("{frac}{}", "0".repeat((4 - frac.len() % 4) % 4));
    let mut digits = groups(&int_padded);
    let mut weight = i16::try_from(digits.len()).ok()? - 1;
    digits.extend(groups(&frac_padded));
    let leading = digits.iter().take_while(|&&d| d == 0).count();
    digits.drain(..leading);
    weight -= i16::try_from(leading).ok()?;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    let sign = if negative && !digits.is_empty() {
        NUMERIC_NEGATIVE
    } else {
        0
    };
    if digits.is_empty() {
        weight = 0;
    }
    out.extend_from_slice(&i16::try_from(digits.len()).ok()?.to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&scale.to_be_bytes());
    for digit in digits {
        out.extend_from_slice(&digit.to_be_bytes());
    }
    Some(())
}

fn decode_numeric(raw: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<[u8; 2]> { raw.get(i * 2..i * 2 + 2)?.try_into().ok() };
    let count = usize::try_from(i16::from_be_bytes(word(0)?)).ok()?;
    let weight = i32::from(i16::from_be_bytes(word(1)?));
    let sign = u16::from_be_bytes(word(2)?);
    let scale = usize::from(u16::from_be_bytes(word(3)?));
    match sign {
        NUMERIC_NAN => return Some("NaN".to_owned()),
        NUMERIC_POS_INF => return Some("Infinity".to_owned()),
        NUMERIC_NEG_INF => return Some("-Infinity".to_owned()),
        _ => {}
    }
    let digits: Vec<i16> = (0..count)
        .map(|i| word(4 + i).map(i16::from_be_bytes))
        .collect::<Option<_>>()?;
    // Digit `i` is worth 10000^(weight - i).
    let digit = |i: i32| -> i16 {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(0)
    };
    let mut text = String::new();
    if sign == NUMERIC_NEGATIVE && count > 0 {
        text.push('-');
    }
    if weight >= 0 {
        for i in 0..=weight {
            let _ = if i == 0 {
                write!(text, "{}", digit(i))
            } else {
                write!(text, "{:04}", digit(i))
            };
        }
    } else {
        text.push('0');
    }
    if scale > 0 {
        let mut frac = String::new();
        let mut i = weight + 1;
        while frac.len() < scale {
            let _ = write!(frac, "{:04}", digit(i));
            i += 1;
        }
        frac.truncate(scale);
        text.push('.');
        text.push_str(&frac);
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(text: &str) -> String {
        let mut out = Vec::new();
        encode_numeric(text, &mut out).expect("a number");
        decode_numeric(&out).expect("decodes")
    }

    #[test]
    fn numerics_round_trip_with_their_scale() {
        for (given, back) in [
            ("0", "0"),
            ("0.00", "0.00"),
            ("-0.5", "-0.5"),
            ("123.4500", "123.4500"),
            ("10000", "10000"),
            ("0.00001234", "0.00001234"),
            ("+7", "7"),
            ("007.10", "7.10"),
            (
                "-79228162514264337593543950335",
                "-79228162514264337593543950335",
            ),
            (".5", "0.5"),
        ] {
            assert_eq!(numeric(given), back, "{given}");
        }
        for bad in ["", ".", "1e5", "1.2.3", "--1", "NaN", "1,5"] {
            assert!(encode_numeric(bad, &mut Vec::new()).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_wire_forms_match_postgresql() {
        // 1234.5 is digits [1234, 5000], weight 0, scale 1.
        let mut out = Vec::new();
        encode_numeric("1234.5", &mut out).unwrap();
        assert_eq!(out, [0, 2, 0, 0, 0, 0, 0, 1, 0x04, 0xd2, 0x13, 0x88]);
        let mut out = Vec::new();
        encode("2000-01-02", &Type::DATE, &mut out).unwrap();
        assert_eq!(out, 1_i32.to_be_bytes());
        assert_eq!(decode(&out, &Type::DATE).unwrap(), "2000-01-02");
        let mut out = Vec::new();
        encode("2000-01-01 01:00:00+01:00", &Type::TIMESTAMPTZ, &mut out).unwrap();
        assert_eq!(out, 0_i64.to_be_bytes());
        assert_eq!(
            decode(&out, &Type::TIMESTAMPTZ).unwrap(),
            "2000-01-01 00:00:00+00:00"
        );
        assert!(encode("2000-01-01 00:00:00Z", &Type::TIMESTAMP, &mut Vec::new()).is_err());
        assert_eq!(
            decode(&i32::MAX.to_be_bytes(), &Type::DATE).unwrap(),
            "infinity"
        );
        let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        let mut out = Vec::new();
        encode(id, &Type::UUID, &mut out).unwrap();
        assert_eq!(decode(&out, &Type::UUID).unwrap(), id);
        assert!(encode("67e55044", &Type::UUID, &mut Vec::new()).is_err());
        let mut out = Vec::new();
        encode("{}", &Type::JSONB, &mut out).unwrap();
        assert_eq!(out, b"\x01{}");
        assert!(decode(b"\x02{}", &Type::JSONB).is_err());
        assert_eq!(
            decode(
                b"\x01{\"b\": 1, \"aa\": [1, {\"y\": \"a, \\\"b\", \"x\": null}], \"a b\": 1.50}",
                &Type::JSONB
            )
            .unwrap(),
            r#"{"a b":1.50,"aa":[1,{"x":null,"y":"a, \"b"}],"b":1}"#
        );
        assert!(decode(b"\x01{\"a\": }", &Type::JSONB).is_err());
    }
}
