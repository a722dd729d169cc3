//! Chinese personal names: a surname from the built-in list (about a hundred common
//! single-character surnames, and the compound ones) and one or two given characters.
//! `High` when every given character is a common given-name character, `Medium`
//! otherwise. Place names (`江苏`, `黄山`) are not names.
//!
//! Inside free text a name must stand alone: a run of two to four Han characters
//! bounded by anything else (`收款人：王伟，`), and only with `High` confidence.

use std::sync::LazyLock;

use super::{CharSet, Confidence, Detected, Hit};
use crate::transform::dictionaries::{
    COMPOUND_SURNAMES, GIVEN_FEMALE, GIVEN_MALE, SURNAMES, regions,
};
use crate::transform::name::is_han;

/// The built-in dictionaries as character sets, built once from the static tables
/// (the detectors run on every value on the way out).
struct Sets {
    surnames: CharSet,
    compound_first: CharSet,
    given: CharSet,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| Sets {
    surnames: CharSet::new(SURNAMES.iter().filter_map(|(s, _)| s.chars().next())),
    compound_first: CharSet::new(COMPOUND_SURNAMES.iter().filter_map(|s| s.chars().next())),
    given: CharSet::new(GIVEN_MALE.chars().chain(GIVEN_FEMALE.chars())),
});

/// Whether the whole value is a Chinese name.
pub(super) fn whole(text: &str) -> Option<Confidence> {
    let sets = &*SETS;
    let first = text.chars().next()?;
    let compound = sets.compound_first.contains(first);
    if !compound && !sets.surnames.contains(first) {
        return None;
    }
    let count = text.chars().count();
    if !(2..=4).contains(&count) || !text.chars().all(is_han) {
        return None;
    }
    let surname = COMPOUND_SURNAMES
        .iter()
        .find(|s| compound && count >= 3 && text.starts_with(**s));
    let given = match surname {
        Some(s) => &text[s.len()..],
        None if count <= 3 && sets.surnames.contains(first) => &text[first.len_utf8()..],
        None => return None,
    };
    if is_place(text) {
        return None;
    }
    let common = given.chars().all(|c| sets.given.contains(c));
    Some(if common {
        Confidence::High
    } else {
        Confidence::Medium
    })
}

/// Finds names standing alone inside text.
pub(super) fn find(text: &str, hits: &mut Vec<Hit>) {
    let mut run_start: Option<usize> = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (is_han(c), run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                run_start = None;
                if whole(&text[start..i]) == Some(Confidence::High) {
                    hits.push(Hit::new(Detected::Name, start, i, Confidence::High));
                }
            }
            _ => {}
        }
    }
}

fn is_place(text: &str) -> bool {
    regions::PROVINCES
        .iter()
        .any(|p| text == p.short || text == p.name)
        || regions::CITIES
            .iter()
            .any(|c| text == c.short || text == c.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_are_found_with_high_confidence() {
        assert_eq!(whole("张伟"), Some(Confidence::High));
        assert_eq!(whole("李秀英"), Some(Confidence::High));
        assert_eq!(whole("欧阳娜娜"), Some(Confidence::High));
    }

    #[test]
    fn rare_given_characters_lower_the_confidence() {
        assert_eq!(whole("王饕餮"), Some(Confidence::Medium));
    }

    #[test]
    fn words_places_and_long_runs_are_not_names() {
        assert_eq!(whole("工资"), None);
        assert_eq!(whole("江苏"), None);
        assert_eq!(whole("深圳市华信科技有限公司"), None);
        assert_eq!(whole("张"), None);
        assert_eq!(whole("Zhang Wei"), None);
    }
}
