//! `mask_name`: display masking of personal names that keeps the surname and the
//! number of characters.
//!
//! - Chinese names keep the surname: `张三` → `张*`, `欧阳娜娜` → `欧阳**` (compound
//!   surnames from the built-in list). A two-character name starting with a compound
//!   surname (`欧阳`) keeps one character, so something is always hidden.
//! - Names with a separator dot (`阿依古丽·买买提`, transliterated minority and
//!   foreign names) keep only the first character of the first part and the dots:
//!   `阿***·***`. Which part is the family name varies, so no part is kept whole.
//! - Latin-script names keep the first letter of each word, punctuation and spaces:
//!   `John Smith` → `J*** S****`, `ZHANG San` → `Z**** S**`. Word order (family name
//!   first or last) is unknown, so no word is kept whole.
//! - Anything else keeps its first character only; a one-character value is hidden
//!   entirely (something is always hidden).

use super::dictionaries::compound_surname_of;
use super::spec::MaskNameParams;
use super::{BuildError, Context, Properties, Transform, TransformError};

/// The separator dots used in transliterated names.
const NAME_DOTS: [char; 4] = ['·', '•', '・', '．'];

/// Whether `c` is a CJK unified ideograph (basic block or extension A).
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Splits a Chinese name (Han characters only, no dot) into surname and given name.
/// `None` when the text is not such a name. The surname is the compound surname the
/// name starts with, if any and if a given name follows; else the first character.
pub fn split_surname(name: &str) -> Option<(&str, &str)> {
    let count = name.chars().count();
    if count == 0 || !name.chars().all(is_han) {
        return None;
    }
    let surname_len = match compound_surname_of(name) {
        Some(compound) if count > 2 => compound.len(),
        _ => name.chars().next().map_or(0, char::len_utf8),
    };
    Some(name.split_at(surname_len))
}

/// A ready `mask_name` transform.
pub struct MaskNameTransform {
    mask_char: char,
}

impl MaskNameTransform {
    pub fn new(params: &MaskNameParams) -> Result<Self, BuildError> {
        if params.mask_char.is_whitespace() || params.mask_char.is_control() {
            return Err(BuildError("mask_char must be a visible character".into()));
        }
        Ok(MaskNameTransform {
            mask_char: params.mask_char,
        })
    }

    /// The masked name (same number of characters).
    pub fn mask(&self, name: &str) -> String {
        let hide = |s: &str| -> String { s.chars().map(|_| self.mask_char).collect() };
        if name.chars().nth(1).is_none() {
            return hide(name);
        }
        if let Some((surname, given)) = split_surname(name) {
            return format!("{surname}{}", hide(given));
        }
        if name.chars().any(|c| NAME_DOTS.contains(&c)) {
            return self.keep_first_of_first_part(name);
        }
        if name.chars().any(|c| c.is_ascii_alphabetic()) {
            return self.keep_initials(name);
        }
        let mut chars = name.chars();
        match chars.next() {
            Some(first) => format!("{first}{}", hide(chars.as_str())),
            None => String::new(),
        }
    }

    /// `阿依古丽·买买提` → `阿***·***`.
    fn keep_first_of_first_part(&self, name: &str) -> String {
        name.chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 || NAME_DOTS.contains(&c) {
                    c
                } else {
                    self.mask_char
                }
            })
            .collect()
    }

    /// `John Smith` → `J*** S****`: the first letter of each word, and every
    /// character that is not a letter or digit, stay.
    fn keep_initials(&self, name: &str) -> String {
        let mut at_word_start = true;
        name.chars()
            .map(|c| {
                let out = if !c.is_alphanumeric() || (at_word_start && c.is_alphabetic()) {
                    c
                } else {
                    self.mask_char
                };
                at_word_start = c.is_whitespace();
                out
            })
            .collect()
    }
}

impl Transform for MaskNameTransform {
    fn name(&self) -> &'static str {
        "mask_name"
    }

    fn properties(&self) -> Properties {
        Properties {
            deterministic: true,
            reversible: false,
            format_preserving: true,
            de_identifying: true,
        }
    }

    fn apply(&self, input: &str, _ctx: &Context<'_>) -> Result<Option<String>, TransformError> {
        Ok(Some(self.mask(input)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(name: &str) -> String {
        MaskNameTransform::new(&MaskNameParams { mask_char: '*' })
            .unwrap()
            .mask(name)
    }

    #[test]
    fn single_surname_is_kept_and_the_given_name_hidden() {
        assert_eq!(mask("张三"), "张*");
        assert_eq!(mask("李小龙"), "李**");
    }

    #[test]
    fn compound_surname_is_kept_whole() {
        assert_eq!(mask("欧阳娜娜"), "欧阳**");
        assert_eq!(mask("司马懿"), "司马*");
        assert_eq!(mask("诸葛孔明"), "诸葛**");
    }

    #[test]
    fn a_two_character_name_with_a_compound_prefix_still_hides_one() {
        assert_eq!(mask("欧阳"), "欧*");
    }

    #[test]
    fn minority_names_keep_only_the_first_character_and_the_dots() {
        assert_eq!(mask("阿依古丽·买买提"), "阿***·***");
        assert_eq!(mask("爱新觉罗•溥仪"), "爱***•**");
    }

    #[test]
    fn latin_names_keep_initials() {
        assert_eq!(mask("John Smith"), "J*** S****");
        assert_eq!(mask("Mary-Jane O'Neil"), "M***-**** O'****");
    }

    #[test]
    fn the_number_of_characters_is_kept() {
        for name in [
            "张三",
            "欧阳娜娜",
            "阿依古丽·买买提",
            "John Smith",
            "x",
            "王",
        ] {
            assert_eq!(mask(name).chars().count(), name.chars().count());
        }
        assert_eq!(mask(""), "");
    }

    #[test]
    fn a_one_character_value_is_hidden_entirely() {
        assert_eq!(mask("王"), "*");
        assert_eq!(mask("x"), "*");
    }
}
