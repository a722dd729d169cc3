//! Addresses: a region recognised by the address parser of `mask_address` (a province,
//! or a city of the region table, with the level below it) followed by a street-level
//! part (路, 街, 道, 巷, 弄, 号 …). A bare region (`北京市朝阳区`) is a place, not
//! someone's address, and is not flagged.

use std::sync::LazyLock;

use super::{CharSet, Confidence, Detected, Hit};
use crate::transform::address::RegionPrefix;
use crate::transform::dictionaries::regions;
use crate::transform::name::is_han;
use crate::transform::spec::AddressLevel;

/// A street-level part: one of these must follow the region.
const STREET: &[char] = &['路', '街', '道', '巷', '弄', '号'];
/// Characters an address may end with inside free text.
const ENDS: &[char] = &[
    '号', '室', '栋', '幢', '楼', '层', '座', '路', '街', '道', '巷', '弄', '村', '组', '元',
];
/// The longest address taken inside free text, in characters.
const MAX_CHARS: usize = 60;

/// The first characters of every province and table city name, built once: most
/// characters of a text can be passed over without comparing names.
static REGION_STARTS: LazyLock<CharSet> = LazyLock::new(|| {
    let provinces = regions::PROVINCES.iter().map(|p| p.short);
    let cities = regions::CITIES.iter().map(|c| c.short);
    CharSet::new(
        provinces
            .chain(cities)
            .filter_map(|name| name.chars().next()),
    )
});

/// Whether the whole value is an address.
pub(super) fn whole(text: &str) -> Option<Confidence> {
    let first = text.chars().next()?;
    if !REGION_STARTS.contains(first) || !text.contains(STREET) {
        return None;
    }
    let region = region_end(text)?;
    text[region..].contains(STREET).then_some(Confidence::High)
}

/// Finds addresses inside text.
pub(super) fn find(text: &str, hits: &mut Vec<Hit>) {
    if !text.contains(STREET) {
        return;
    }
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        if i < skip_to || !is_han(c) || !REGION_STARTS.contains(c) || !may_start_region(&text[i..])
        {
            continue;
        }
        let Some(region) = region_end(&text[i..]) else {
            continue;
        };
        let end = extent(text, i + region);
        if text[i + region..end].contains(STREET) {
            hits.push(Hit::new(Detected::Address, i, end, Confidence::High));
            skip_to = end;
        }
    }
}

/// The end (bytes) of the region at the start of `text`, when one is recognised.
fn region_end(text: &str) -> Option<usize> {
    let prefix = RegionPrefix::parse(text);
    if prefix.province.is_none() && prefix.city.is_none() {
        return None;
    }
    Some(prefix.end_at(&AddressLevel::District)).filter(|&end| end > 0)
}

/// Cheap test before parsing: a province or table city name starts here.
fn may_start_region(text: &str) -> bool {
    regions::PROVINCES.iter().any(|p| text.starts_with(p.short))
        || regions::CITIES.iter().any(|c| text.starts_with(c.short))
}

/// The end of the street part after `from`: address characters, cut back to the last
/// character that can end an address.
fn extent(text: &str, from: usize) -> usize {
    let mut last_end = from;
    for (n, (i, c)) in text[from..].char_indices().enumerate() {
        let address_char = is_han(c) || c.is_ascii_alphanumeric() || matches!(c, '-' | '#');
        if !address_char || n >= MAX_CHARS {
            break;
        }
        if ENDS.contains(&c) {
            last_end = from + i + c.len_utf8();
        }
    }
    last_end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_address_is_a_whole_value() {
        assert!(whole("广东省深圳市南山区人民路127号3栋2单元501室").is_some());
        assert!(whole("北京市朝阳区建国路88号").is_some());
    }

    #[test]
    fn regions_and_company_names_are_not_addresses() {
        assert!(whole("北京市朝阳区").is_none());
        assert!(whole("深圳市华信科技有限公司").is_none());
        assert!(whole("人民路127号").is_none());
    }

    #[test]
    fn an_address_inside_text_is_cut_at_its_last_street_character() {
        let text = "请寄到上海市浦东新区世纪大道100号，谢谢";
        let mut hits = Vec::new();
        find(text, &mut hits);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].text(text), "上海市浦东新区世纪大道100号");
    }
}
