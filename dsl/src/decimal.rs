//! What an exact decimal holds, said the same way wherever a number does not fit: a literal,
//! an input, a data file cell, an arithmetic result.
//!
//! Decimals are rust_decimal's: a 96-bit whole number and a scale of 0 to 28 (the digits after
//! the point). So a decimal has at most 28 digits after its point, and its digits with the point
//! left out read at most 79228162514264337593543950335 (2⁹⁶ − 1): 28 digits always fit, 29
//! only below that.

/// The largest number a decimal's digits, without the point, can read (2⁹⁶ − 1).
pub const DECIMAL_MAX_DIGITS: &str = "79228162514264337593543950335";

/// The most digits a decimal has after its point.
pub const DECIMAL_MAX_PLACES: u32 = 28;

/// What a decimal holds, for a hint.
pub const DECIMAL_LIMITS: &str = "a decimal holds at most 28 digits after the point, and its \
    digits without the point read at most 79228162514264337593543950335 (2⁹⁶ − 1)";

/// Why the number written `text` (plain, or with an exponent; a percent sign after it is
/// ignored) does not fit a decimal: too many digits after the point, or too large. `None` when
/// the text is not written as a number at all.
pub fn decimal_misfit(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('%').trim_end();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let exponent = match exponent {
        Some(e) => e.parse::<i64>().ok()?,
        None => 0,
    };
    let places = i64::try_from(fraction.len())
        .unwrap_or(i64::MAX)
        .saturating_sub(exponent);
    Some(if places > i64::from(DECIMAL_MAX_PLACES) {
        format!("it has {places} digits after the point, and a decimal holds at most 28")
    } else {
        format!(
            "it is too large, as a decimal's digits without the point read at most \
             {DECIMAL_MAX_DIGITS} (2⁹⁶ − 1)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_which_limit_a_number_passes() {
        let thirty = format!("0.{}", "1".repeat(30));
        assert_eq!(
            decimal_misfit(&thirty).as_deref(),
            Some("it has 30 digits after the point, and a decimal holds at most 28")
        );
        let says = |text: &str, what: &str| {
            decimal_misfit(text).is_some_and(|reason| reason.contains(what))
        };
        assert!(says("-1e-29", "29 digits after the point"));
        assert!(says("1.5e-28", "29 digits after the point"));
        assert!(says("99999999999999999999999999999", "too large"));
        assert!(says("1e40", "too large"));
        assert!(says("1e40%", "too large"));
        for not_a_number in ["abc", "", "1.2.3", "e5", "1e", "--1", "12 apples"] {
            assert_eq!(decimal_misfit(not_a_number), None, "{not_a_number}");
        }
    }
}
