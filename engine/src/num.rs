//! Decimal arithmetic with the rules of spec §1.3: every operation is checked (overflow and
//! division by zero are errors), rounding happens only where asked, and zero is never negative.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{ErrorKind, EvalError, EvalResult};
use ordo_dsl::ast::RoundingMode;

/// The most digits a decimal has after its point.
const MAX_SCALE: u32 = 28;

fn overflow(op: &str) -> EvalError {
    EvalError::new(
        ErrorKind::Overflow,
        format!(
            "the result of `{op}` is too large for a decimal (its digits without the point \
             read at most {})",
            ordo_dsl::decimal::DECIMAL_MAX_DIGITS
        ),
    )
}

pub fn add(a: Decimal, b: Decimal) -> EvalResult<Decimal> {
    a.checked_add(b)
        .map(normalize_zero)
        .ok_or_else(|| overflow("+"))
}

pub fn sub(a: Decimal, b: Decimal) -> EvalResult<Decimal> {
    a.checked_sub(b)
        .map(normalize_zero)
        .ok_or_else(|| overflow("-"))
}

/// The product, with the scale of its factors added, as for any product: rust_decimal
/// gives a zero product scale 0 (`0.00 * 75` would read `0`, not `0.00`).
pub fn mul(a: Decimal, b: Decimal) -> EvalResult<Decimal> {
    a.checked_mul(b)
        .map(|product| zero_at_scale(product, a.scale().saturating_add(b.scale())))
        .ok_or_else(|| overflow("*"))
}

/// Exact up to 28 significant digits, then rounded half-even (rust_decimal's rule).
pub fn div(a: Decimal, b: Decimal) -> EvalResult<Decimal> {
    if b.is_zero() {
        return Err(EvalError::new(
            ErrorKind::DivisionByZero,
            format!("division of {a} by zero"),
        ));
    }
    a.checked_div(b)
        .map(|quotient| zero_at_scale(quotient, a.scale().saturating_sub(b.scale())))
        .ok_or_else(|| overflow("/"))
}

/// A zero result at the scale the arithmetic implies (at most 28, a decimal's largest),
/// without a sign; any other result as it is.
fn zero_at_scale(d: Decimal, scale: u32) -> Decimal {
    if !d.is_zero() {
        return d;
    }
    Decimal::try_new(0, scale.min(MAX_SCALE)).unwrap_or(Decimal::ZERO)
}

pub fn neg(a: Decimal) -> Decimal {
    normalize_zero(-a)
}

/// Orders two decimals by value, exactly as `Decimal::cmp`, but without its general rescaling
/// when both mantissas, brought to the same scale, fit 128 bits (every amount in practice):
/// decision tables compare an input with many bounds per evaluation.
pub fn cmp(a: Decimal, b: Decimal) -> std::cmp::Ordering {
    let (ma, sa, mb, sb) = (a.mantissa(), a.scale(), b.mantissa(), b.scale());
    let scaled = if sa == sb {
        Some((ma, mb))
    } else if sa < sb {
        pow10(sb - sa)
            .and_then(|p| ma.checked_mul(p))
            .map(|x| (x, mb))
    } else {
        pow10(sa - sb)
            .and_then(|p| mb.checked_mul(p))
            .map(|y| (ma, y))
    };
    match scaled {
        Some((x, y)) => x.cmp(&y),
        None => a.cmp(&b),
    }
}

/// 10ⁿ for the scales a decimal can have (0 to 28).
fn pow10(n: u32) -> Option<i128> {
    #[rustfmt::skip]
    const POWERS: [i128; 29] = [
        1,
        10,
        100,
        1000,
        10000,
        100000,
        1000000,
        10000000,
        100000000,
        1000000000,
        10000000000,
        100000000000,
        1000000000000,
        10000000000000,
        100000000000000,
        1000000000000000,
        10000000000000000,
        100000000000000000,
        1000000000000000000,
        10000000000000000000,
        100000000000000000000,
        1000000000000000000000,
        10000000000000000000000,
        100000000000000000000000,
        1000000000000000000000000,
        10000000000000000000000000,
        100000000000000000000000000,
        1000000000000000000000000000,
        10000000000000000000000000000,
    ];
    POWERS.get(n as usize).copied()
}

/// A zero is always written without a sign.
pub fn normalize_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// Rounds to `places` decimal places with a mode; the result has exactly `places` places
/// (so 6778 rounded to 2 places is 6778.00, and money always shows its minor unit).
pub fn round(value: Decimal, places: u32, mode: RoundingMode) -> Decimal {
    match round_small(value, places, mode) {
        Some(rounded) => normalize_zero(rounded),
        None => round_wide(value, places, mode),
    }
}

/// [`round`] by rust_decimal's general rounding, for any decimal.
fn round_wide(value: Decimal, places: u32, mode: RoundingMode) -> Decimal {
    let strategy = match mode {
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
        RoundingMode::Up => RoundingStrategy::AwayFromZero,
        RoundingMode::Down => RoundingStrategy::ToZero,
        RoundingMode::Ceiling => RoundingStrategy::ToPositiveInfinity,
        RoundingMode::Floor => RoundingStrategy::ToNegativeInfinity,
    };
    let mut rounded = value.round_dp_with_strategy(places, strategy);
    if rounded.scale() < places {
        rounded.rescale(places);
    }
    normalize_zero(rounded)
}

/// [`round`] of a decimal whose digits fit 64 bits, as nearly every amount's do: one division
/// of a `u64` where rust_decimal's general rounding divides and multiplies 96-bit numbers
/// several times over (about a tenth of the instructions). `None` for a wider decimal, or a
/// result that would not fit 64 bits, which the general rounding takes.
fn round_small(value: Decimal, places: u32, mode: RoundingMode) -> Option<Decimal> {
    let scale = value.scale();
    let mantissa = value.mantissa();
    let negative = mantissa < 0;
    let magnitude = u64::try_from(mantissa.unsigned_abs()).ok()?;
    let pow10_u64 = |n| pow10(n).and_then(|p| u64::try_from(p).ok());
    let rounded = if scale <= places {
        // Fewer places than asked for: the same value, padded with zeros.
        magnitude.checked_mul(pow10_u64(places - scale)?)?
    } else {
        let divisor = pow10_u64(scale - places)?;
        let (kept, dropped) = (magnitude / divisor, magnitude % divisor);
        // `dropped` against the half of `divisor` (even: a power of ten), without overflow.
        let rest = divisor - dropped;
        let away = dropped != 0
            && match mode {
                RoundingMode::HalfUp => dropped >= rest,
                RoundingMode::HalfEven => dropped > rest || (dropped == rest && kept % 2 == 1),
                RoundingMode::HalfDown => dropped > rest,
                RoundingMode::Up => true,
                RoundingMode::Down => false,
                RoundingMode::Ceiling => !negative,
                RoundingMode::Floor => negative,
            };
        // `kept` is at most a tenth of `u64::MAX`: one more fits.
        kept + u64::from(away)
    };
    let signed = i128::from(rounded);
    Decimal::try_from_i128_with_scale(if negative { -signed } else { signed }, places).ok()
}

/// The decimal as text, keeping its scale, with no negative zero.
pub fn to_string(d: Decimal) -> String {
    let mut buf = [0u8; DECIMAL_TEXT_LEN];
    decimal_text(d, &mut buf).to_string()
}

/// Room for the longest decimal text: a sign, 29 digits, a point and up to 28 leading zeros.
pub const DECIMAL_TEXT_LEN: usize = 64;

/// Writes the decimal's text (as `to_string`: every digit of its scale, no negative zero) into
/// `buf` and returns it; no allocation, for results written by the million.
pub fn decimal_text(d: Decimal, buf: &mut [u8; DECIMAL_TEXT_LEN]) -> &str {
    std::str::from_utf8(decimal_bytes(d, buf)).unwrap_or("")
}

/// The decimal's text as [`decimal_text`] writes it, as ASCII bytes (for writers of bytes,
/// which need no check of them as UTF-8).
pub fn decimal_bytes(d: Decimal, buf: &mut [u8; DECIMAL_TEXT_LEN]) -> &[u8] {
    let start = decimal_digits(d, buf);
    buf.get(start..).unwrap_or_default()
}

/// Appends the decimal's text (as [`decimal_text`]) to `out`.
pub fn push_decimal(out: &mut String, d: Decimal) {
    let mut buf = [0u8; DECIMAL_TEXT_LEN];
    out.push_str(decimal_text(d, &mut buf));
}

/// "00" to "99": the digits of an amount are written two at a time, halving the divisions.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal's text into the end of `buf` and returns where it starts.
fn decimal_digits(d: Decimal, buf: &mut [u8; DECIMAL_TEXT_LEN]) -> usize {
    let mantissa = d.mantissa();
    let scale = d.scale() as usize;
    // Digits from the right: `scale` of them (zeros fill up to it) after the point, then at
    // least one before it. `end` only moves left, and the buffer holds the longest text.
    let mut end = buf.len();
    let mut digits = 0;
    // Nearly every amount fits 64 bits, whose division is many times cheaper than 128 bits':
    // a wide one gives digits one by one until the rest fits.
    let mut high = mantissa.unsigned_abs();
    let mut low = loop {
        if let Ok(low) = u64::try_from(high) {
            break low;
        }
        if digits == scale && scale > 0 {
            put_byte(buf, &mut end, b'.');
        }
        put_byte(buf, &mut end, b'0' + (high % 10) as u8);
        high /= 10;
        digits += 1;
    };
    let integer_started = digits > scale;
    let mut fraction = scale.saturating_sub(digits);
    while fraction >= 2 {
        put_pair(buf, &mut end, low % 100);
        low /= 100;
        fraction -= 2;
    }
    if fraction == 1 {
        put_byte(buf, &mut end, b'0' + (low % 10) as u8);
        low /= 10;
    }
    if scale > 0 && !integer_started {
        put_byte(buf, &mut end, b'.');
    }
    while low >= 100 {
        put_pair(buf, &mut end, low % 100);
        low /= 100;
    }
    if low >= 10 {
        put_pair(buf, &mut end, low);
    } else if low > 0 || !integer_started {
        put_byte(buf, &mut end, b'0' + low as u8);
    }
    if mantissa < 0 {
        put_byte(buf, &mut end, b'-');
    }
    end
}

/// Writes `byte` just left of `end` and moves `end` onto it.
#[inline(always)]
fn put_byte(buf: &mut [u8], end: &mut usize, byte: u8) {
    *end = end.saturating_sub(1);
    if let Some(b) = buf.get_mut(*end) {
        *b = byte;
    }
}

/// Writes the two digits of `n` (below 100) just left of `end` and moves `end` onto them.
#[inline(always)]
fn put_pair(buf: &mut [u8], end: &mut usize, n: u64) {
    let at = (n % 100) as usize * 2;
    *end = end.saturating_sub(2);
    if let (Some(to), Some(pair)) = (buf.get_mut(*end..*end + 2), DIGIT_PAIRS.get(at..at + 2)) {
        to.copy_from_slice(pair);
    }
}

/// Whether the decimal has no fractional part.
pub fn is_integral(d: Decimal) -> bool {
    d.fract().is_zero()
}

/// The decimal as an i64 when it is integral and fits.
pub fn to_i64(d: Decimal) -> Option<i64> {
    if !is_integral(d) {
        return None;
    }
    rust_decimal::prelude::ToPrimitive::to_i64(&d.trunc())
}

/// Parses a decimal exactly (no silent rounding of extra digits); accepts `1e3` forms too.
pub fn parse_exact(text: &str) -> Option<Decimal> {
    if let Some(d) = parse_plain(text) {
        return Some(d);
    }
    let text = text.trim();
    if text.is_empty() || text.starts_with('+') && text.len() == 1 {
        return None;
    }
    if let Ok(d) = Decimal::from_str_exact(text) {
        return Some(normalize_zero(d));
    }
    if text.contains(['e', 'E']) {
        return Decimal::from_scientific(text).ok().map(normalize_zero);
    }
    None
}

/// A plain number of at most 18 digits (`-?[0-9]+(.[0-9]+)?`, how amounts and quantities are
/// written) read in one pass, to the same mantissa and scale as `Decimal::from_str_exact`;
/// `None` for any other text (read the general way).
fn parse_plain(text: &str) -> Option<Decimal> {
    let (negative, digits) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    // 18 digits stay below 10^18, so the mantissa cannot overflow.
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut mantissa: i64 = 0;
    let mut scale = 0;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa * 10 + i64::from(b - b'0'),
            b'.' if scale == 0 && i > 0 && i + 1 < digits.len() => scale = digits.len() - i - 1,
            _ => return None,
        }
    }
    let mantissa = if negative { -mantissa } else { mantissa };
    Some(normalize_zero(Decimal::new(
        mantissa,
        u32::try_from(scale).ok()?,
    )))
}

/// The number of decimal places of an ISO 4217 currency.
pub fn minor_units(code: &str) -> Option<u32> {
    let currency = iso_currency::Currency::from_code(code)?;
    Some(currency.exponent().map_or(0, u32::from))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn plain_numbers() {
        let read = |t: &str| parse_plain(t).map(|d| (d.to_string(), d.scale()));
        assert_eq!(read("12.50"), Some(("12.50".into(), 2)));
        assert_eq!(read("-0.00"), Some(("0.00".into(), 2)));
        assert_eq!(read("007"), Some(("7".into(), 0)));
        assert_eq!(
            read("999999999999999999"),
            Some(("999999999999999999".into(), 0))
        );
        for other in [
            "",
            "-",
            "1.",
            ".5",
            "+1",
            "1e3",
            "1.2.3",
            "9999999999999999999",
            " 1",
        ] {
            assert_eq!(read(other), None, "{other}");
        }
    }

    /// Every rounding mode as the language names it.
    const MODES: [RoundingMode; 7] = [
        RoundingMode::HalfUp,
        RoundingMode::HalfEven,
        RoundingMode::HalfDown,
        RoundingMode::Up,
        RoundingMode::Down,
        RoundingMode::Ceiling,
        RoundingMode::Floor,
    ];

    #[test]
    fn midpoints_round_by_their_mode() {
        let d = |m: i64, s: u32| Decimal::new(m, s);
        let cases = [
            // 2.5 and -2.5 to whole numbers, in the order of MODES.
            (d(25, 1), ["3", "2", "2", "3", "2", "3", "2"]),
            (d(-25, 1), ["-3", "-2", "-2", "-3", "-2", "-2", "-3"]),
            (d(35, 1), ["4", "4", "3", "4", "3", "4", "3"]),
            (d(-1, 3), ["0", "0", "0", "-1", "0", "0", "-1"]),
        ];
        for (value, expected) in cases {
            for (mode, want) in MODES.iter().zip(expected) {
                assert_eq!(to_string(round(value, 0, *mode)), want, "{value} {mode:?}");
            }
        }
        assert_eq!(
            to_string(round(d(6778, 0), 2, RoundingMode::HalfUp)),
            "6778.00"
        );
        assert_eq!(to_string(round(d(-4, 3), 2, RoundingMode::HalfUp)), "0.00");
    }

    proptest! {
        /// The 64-bit rounding gives what the general rounding gives, digits and scale, for
        /// every mode, on mantissas of every width (the wide ones take the general path).
        #[test]
        fn the_64_bit_rounding_is_the_general_rounding(
            mantissa in prop_oneof![
                -1_000_000i128..1_000_000,
                any::<i64>().prop_map(i128::from),
                -(1i128 << 95)..(1i128 << 95),
                prop::sample::select(vec![
                    i128::from(u64::MAX),
                    -i128::from(u64::MAX),
                    i128::from(u64::MAX) + 1,
                    5,
                    15,
                    -25,
                    1_844_674_407_370_955_161,
                ]),
            ],
            scale in 0u32..=28,
            places in 0u32..=28,
        ) {
            let value = Decimal::from_i128_with_scale(mantissa, scale);
            for mode in MODES {
                let fast = round(value, places, mode);
                let general = round_wide(value, places, mode);
                prop_assert_eq!(fast.to_string(), general.to_string(), "{} {:?}", value, mode);
                prop_assert_eq!(fast.scale(), general.scale());
            }
        }

        /// A plain number reads as the general parser reads it: same value, same scale.
        #[test]
        fn plain_numbers_read_as_from_str_exact(text in r"-?[0-9]{0,20}(\.[0-9]{0,8})?[.e]?") {
            let general = Decimal::from_str_exact(&text).ok().map(normalize_zero);
            if let Some(plain) = parse_plain(&text) {
                prop_assert_eq!(Some(plain), general);
                prop_assert_eq!(Some(plain.scale()), general.map(|d| d.scale()));
                prop_assert_eq!(plain.is_sign_negative(), general.is_some_and(|d| d.is_sign_negative()));
            }
        }

        /// The fast comparison orders exactly as `Decimal::cmp`, across scales and sizes.
        #[test]
        fn cmp_is_decimal_cmp(
            a in any::<i64>(), sa in 0u32..=28, wa in any::<bool>(),
            b in any::<i64>(), sb in 0u32..=28, wb in any::<bool>(),
        ) {
            let make = |m: i64, wide: bool, scale: u32| {
                let m = if wide { i128::from(m) * 1_000_000_007 } else { i128::from(m) };
                Decimal::try_from_i128_with_scale(m, scale).unwrap()
            };
            let (x, y) = (make(a, wa, sa), make(b, wb, sb));
            prop_assert_eq!(cmp(x, y), x.cmp(&y));
            prop_assert_eq!(cmp(x, x), std::cmp::Ordering::Equal);
            let rescaled = Decimal::try_from_i128_with_scale(i128::from(a) * 100, sa.min(26) + 2).unwrap();
            prop_assert_eq!(cmp(make(a, false, sa.min(26)), rescaled), std::cmp::Ordering::Equal);
        }

        /// The allocation-free writer gives Display's text, with no negative zero.
        #[test]
        fn decimal_text_is_display(m in any::<i64>(), wide in any::<bool>(), scale in 0u32..=28) {
            let mantissa = if wide { i128::from(m) * 1_000_000_007 } else { i128::from(m) };
            let d = Decimal::try_from_i128_with_scale(mantissa, scale).unwrap();
            let mut buf = [0u8; DECIMAL_TEXT_LEN];
            prop_assert_eq!(decimal_text(d, &mut buf), normalize_zero(d).to_string());
            let mut pushed = String::from("x=");
            push_decimal(&mut pushed, d);
            prop_assert_eq!(pushed, format!("x={}", normalize_zero(d)));
        }
    }

    #[test]
    fn decimal_text_edges() {
        let mut buf = [0u8; DECIMAL_TEXT_LEN];
        for text in [
            "0",
            "0.00",
            "-0.05",
            "0.5",
            "-7.5",
            "5",
            "99",
            "100",
            "10.0",
            "1234567.891",
            "18446744073709551615.5",
            "18446744073709551616",
            "184467440737095516160.00",
            "10.50",
            "0.0000000000000000000000000001",
            "-79228162514264337593543950335",
            "7922816251426433759354395033.5",
        ] {
            let d: Decimal = text.parse().unwrap();
            assert_eq!(
                decimal_text(d, &mut buf),
                normalize_zero(d).to_string(),
                "{text}"
            );
        }
        assert_eq!(decimal_text(-Decimal::ZERO, &mut buf), "0");
    }

    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounding_modes() {
        assert_eq!(
            round(d("2.345"), 2, RoundingMode::HalfUp).to_string(),
            "2.35"
        );
        assert_eq!(
            round(d("2.345"), 2, RoundingMode::HalfEven).to_string(),
            "2.34"
        );
        assert_eq!(
            round(d("-2.345"), 2, RoundingMode::HalfDown).to_string(),
            "-2.34"
        );
        assert_eq!(round(d("2.341"), 2, RoundingMode::Up).to_string(), "2.35");
        assert_eq!(
            round(d("-2.341"), 2, RoundingMode::Ceiling).to_string(),
            "-2.34"
        );
        assert_eq!(
            round(d("-2.341"), 2, RoundingMode::Floor).to_string(),
            "-2.35"
        );
        assert_eq!(
            round(d("6778"), 2, RoundingMode::HalfUp).to_string(),
            "6778.00"
        );
        assert_eq!(
            round(d("-0.001"), 2, RoundingMode::HalfUp).to_string(),
            "0.00"
        );
    }

    #[test]
    fn errors_instead_of_panics() {
        assert_eq!(
            div(d("1"), d("0")).unwrap_err().kind,
            ErrorKind::DivisionByZero
        );
        assert_eq!(
            mul(Decimal::MAX, d("2")).unwrap_err().kind,
            ErrorKind::Overflow
        );
        assert_eq!(
            add(Decimal::MAX, Decimal::MAX).unwrap_err().kind,
            ErrorKind::Overflow
        );
    }

    #[test]
    fn zero_products_and_quotients_keep_their_scale() {
        let text = |r: EvalResult<Decimal>| r.map(to_string).unwrap();
        assert_eq!(text(mul(d("0.00"), d("75"))), "0.00");
        assert_eq!(text(mul(d("75"), d("0.00"))), "0.00");
        assert_eq!(text(mul(d("-0.0"), d("0.00"))), "0.000");
        assert_eq!(text(mul(d("1.5"), d("0"))), "0.0");
        assert_eq!(text(mul(d("1.50"), d("2"))), "3.00");
        assert_eq!(text(div(d("0.000"), d("2.0"))), "0.00");
        assert_eq!(text(div(d("0"), d("2.00"))), "0");
        // A scale beyond a decimal's largest stops at 28.
        let wide = Decimal::new(0, 20);
        assert_eq!(mul(wide, wide).unwrap().scale(), 28);
    }

    #[test]
    fn exact_parsing() {
        assert_eq!(parse_exact("1850.00").unwrap().to_string(), "1850.00");
        assert_eq!(parse_exact("1e3").unwrap(), d("1000"));
        assert!(parse_exact("0.10000000000000000000000000001").is_none());
        assert!(parse_exact("twelve").is_none());
        assert_eq!(to_i64(d("12.0")), Some(12));
        assert_eq!(to_i64(d("12.5")), None);
    }
}
