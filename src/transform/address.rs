//! `mask_address`: keep an address down to its province, city or district (GB/T 2260
//! levels) and suppress the rest, and the parser of that region prefix (also used by
//! `fake_address`).
//!
//! The parser recognises, from the start of the text: a province (full or short name,
//! all 34 known), then a city and a district from the built-in table; where the table
//! has no entry, a short generic segment ending in 市/州/盟/地区 (city) or 区/县/旗/市
//! (district) that contains no street-level word (路, 街, 号, 村, 小区 …). Whatever is
//! not recognised is suppressed: an address that cannot be parsed to the requested
//! level keeps only what was recognised above it, or nothing; the street part never
//! leaks.

use super::dictionaries::regions::{self, City};
use super::spec::{AddressLevel, MaskAddressParams};
use super::{BuildError, Context, Properties, Transform, TransformError};

/// Longest generic (not in the table) city or district segment, in characters.
const GENERIC_MAX_CHARS: usize = 8;
/// Characters that mark a street-level part: a generic segment never contains one.
const STREET_MARKERS: &str = "路街道巷弄号村镇乡楼栋幢室座院苑园庄屯组单元";
/// Two-character endings of a generic segment (`杭州市`, `新市区`); any other suffix
/// ends the segment at its first character.
const DOUBLE_SUFFIXES: [(char, char); 2] = [('州', '市'), ('市', '区')];
/// Endings that look like a district but are not one.
const FALSE_DISTRICTS: [&str; 6] = ["小区", "社区", "园区", "校区", "厂区", "景区"];

/// The region prefix recognised at the start of an address: the end (byte offset)
/// of each level that was recognised, and the codes known for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegionPrefix {
    /// 2-digit code and end of the province.
    pub province: Option<(u32, usize)>,
    /// End of the city (for municipalities, the end of the province).
    pub city: Option<usize>,
    /// End of the district.
    pub district: Option<usize>,
}

impl RegionPrefix {
    /// Parses the region prefix of `address`. A part recognised by its short name
    /// (`广东`, `深圳`) counts only when the next level is recognised after it, so
    /// `深圳大道` or `北京饭店` are not taken for regions.
    pub fn parse(address: &str) -> Self {
        let province = province_at(address);
        let (city_code, mut city) = match province {
            Some((code, end, short)) if regions::is_municipality(code) => {
                (Some(code * 100 + 1), Some((end, short)))
            }
            Some((code, end, _)) => city_after(address, end, regions::cities_of(code), true),
            // Without a province only a city from the table counts: a generic segment
            // at the very start could be anything (`华联超市`).
            None => city_after(address, 0, regions::CITIES.iter(), false),
        };
        let district = city.and_then(|(end, _)| district_after(address, end, city_code));
        if district.is_none() && city.is_some_and(|(_, short)| short) {
            city = None;
        }
        let province = province.filter(|&(_, _, short)| !short || city.is_some());
        RegionPrefix {
            province: province.map(|(code, end, _)| (code, end)),
            city: city.map(|(end, _)| end),
            district,
        }
    }

    /// The end of the deepest recognised part at or above `level`.
    pub fn end_at(&self, level: &AddressLevel) -> usize {
        let province = self.province.map(|(_, end)| end);
        let chosen = match level {
            AddressLevel::Province => province,
            AddressLevel::City => self.city.or(province),
            AddressLevel::District => self.district.or(self.city).or(province),
        };
        chosen.unwrap_or(0)
    }
}

/// The byte length of `full` or `short` at the start of `text`, and whether it was
/// the short one.
fn name_at(text: &str, full: &str, short: &str) -> Option<(usize, bool)> {
    if text.starts_with(full) {
        Some((full.len(), false))
    } else {
        text.starts_with(short).then_some((short.len(), true))
    }
}

/// The province at the start: code, end, and whether by its short name.
fn province_at(text: &str) -> Option<(u32, usize, bool)> {
    regions::PROVINCES
        .iter()
        .find_map(|p| name_at(text, p.name, p.short).map(|(len, short)| (p.code, len, short)))
}

/// A city starting at `start`: from the table, else (when `generic`) a generic
/// segment. Returns its code when it came from the table, and its end and whether it
/// was recognised by its short name.
fn city_after<'a>(
    text: &str,
    start: usize,
    mut candidates: impl Iterator<Item = &'a City>,
    generic: bool,
) -> (Option<u32>, Option<(usize, bool)>) {
    let rest = &text[start..];
    let known = candidates.find_map(|c| name_at(rest, c.name, c.short).map(|n| (c.code, n)));
    match known {
        Some((code, (len, short))) => (Some(code), Some((start + len, short))),
        None if generic => {
            let end = generic_segment(rest, "市州盟", true).map(|len| (start + len, false));
            (None, end)
        }
        None => (None, None),
    }
}

fn district_after(text: &str, start: usize, city_code: Option<u32>) -> Option<usize> {
    let rest = &text[start..];
    if let Some(code) = city_code {
        let known = regions::districts_of(code).find(|d| rest.starts_with(d.name));
        if let Some(d) = known {
            return Some(start + d.name.len());
        }
    }
    generic_segment(rest, "区县旗市", false).map(|len| start + len)
}

/// The byte length of a generic region segment at the start of `text`: 2 to
/// [`GENERIC_MAX_CHARS`] Han characters, no street marker, ending at the first
/// character of `suffixes` (or the pair of [`DOUBLE_SUFFIXES`] starting there); at city
/// level `地区` also ends one.
fn generic_segment(text: &str, suffixes: &str, city_level: bool) -> Option<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().take(GENERIC_MAX_CHARS + 1).collect();
    for (i, &(offset, c)) in chars.iter().enumerate() {
        if !super::name::is_han(c) || STREET_MARKERS.contains(c) || i >= GENERIC_MAX_CHARS {
            return None;
        }
        let ends =
            suffixes.contains(c) || (city_level && c == '区' && i > 0 && chars[i - 1].1 == '地');
        if !ends || i == 0 {
            continue;
        }
        let mut end = offset + c.len_utf8();
        if let Some(&(next_offset, next)) = chars.get(i + 1)
            && DOUBLE_SUFFIXES.contains(&(c, next))
            && i + 1 < GENERIC_MAX_CHARS
        {
            end = next_offset + next.len_utf8();
        }
        let segment = &text[..end];
        if FALSE_DISTRICTS.iter().any(|f| segment.ends_with(f)) {
            return None;
        }
        return Some(end);
    }
    None
}

/// A ready `mask_address` transform.
pub struct MaskAddressTransform {
    keep: AddressLevel,
    suffix: String,
}

impl MaskAddressTransform {
    pub fn new(params: &MaskAddressParams) -> Result<Self, BuildError> {
        if params.suffix.chars().count() > 16 || params.suffix.chars().any(char::is_control) {
            return Err(BuildError(
                "mask_address suffix must be at most 16 characters, without control characters"
                    .into(),
            ));
        }
        Ok(MaskAddressTransform {
            keep: params.keep.clone(),
            suffix: params.suffix.clone(),
        })
    }

    /// The address kept to the configured level, followed by the suffix.
    pub fn mask(&self, address: &str) -> String {
        let end = RegionPrefix::parse(address).end_at(&self.keep);
        format!("{}{}", &address[..end], self.suffix)
    }
}

impl Transform for MaskAddressTransform {
    fn name(&self) -> &'static str {
        "mask_address"
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

    fn mask(keep: AddressLevel, address: &str) -> String {
        MaskAddressTransform::new(&MaskAddressParams {
            keep,
            suffix: "***".into(),
        })
        .unwrap()
        .mask(address)
    }

    #[test]
    fn municipality_address_keeps_the_district() {
        assert_eq!(
            mask(AddressLevel::District, "北京市朝阳区建国路88号"),
            "北京市朝阳区***"
        );
        assert_eq!(
            mask(AddressLevel::City, "北京市朝阳区建国路88号"),
            "北京市***"
        );
        assert_eq!(
            mask(AddressLevel::Province, "上海市浦东新区世纪大道1号"),
            "上海市***"
        );
    }

    #[test]
    fn province_city_and_district_from_the_table_are_kept() {
        let a = "广东省深圳市南山区科技园科苑路15号";
        assert_eq!(mask(AddressLevel::District, a), "广东省深圳市南山区***");
        assert_eq!(mask(AddressLevel::City, a), "广东省深圳市***");
        assert_eq!(mask(AddressLevel::Province, a), "广东省***");
    }

    #[test]
    fn short_province_names_and_autonomous_regions_are_recognised() {
        assert_eq!(
            mask(AddressLevel::City, "内蒙古自治区兴安盟乌兰浩特市某街1号"),
            "内蒙古自治区兴安盟***"
        );
        assert_eq!(
            mask(AddressLevel::District, "广东深圳南山区后海大道"),
            "广东深圳南山区***"
        );
    }

    #[test]
    fn cities_and_counties_outside_the_table_are_recognised_generically() {
        assert_eq!(
            mask(AddressLevel::District, "浙江省温州市鹿城区五马街2号"),
            "浙江省温州市鹿城区***"
        );
        assert_eq!(
            mask(
                AddressLevel::District,
                "新疆维吾尔自治区阿克苏地区库车市团结路"
            ),
            "新疆维吾尔自治区阿克苏地区库车市***"
        );
        assert_eq!(
            mask(AddressLevel::District, "河北省保定市涞水县城关镇"),
            "河北省保定市涞水县***"
        );
    }

    #[test]
    fn street_parts_that_look_like_districts_are_not_kept() {
        assert_eq!(
            mask(AddressLevel::District, "浙江省温州市幸福小区3栋"),
            "浙江省温州市***"
        );
        assert_eq!(
            mask(AddressLevel::District, "浙江省温州市中山路东区8号"),
            "浙江省温州市***"
        );
        assert_eq!(
            mask(AddressLevel::District, "浙江省某某村12号楼东区"),
            "浙江省***"
        );
    }

    #[test]
    fn unparseable_addresses_are_suppressed_entirely() {
        assert_eq!(mask(AddressLevel::District, "建国路88号"), "***");
        assert_eq!(mask(AddressLevel::District, "北京路12号"), "***");
        assert_eq!(mask(AddressLevel::District, "深圳大道8号"), "***");
        assert_eq!(
            mask(AddressLevel::District, "广东省深圳大道8号"),
            "广东省***"
        );
        assert_eq!(mask(AddressLevel::Province, "北京饭店"), "***");
        assert_eq!(mask(AddressLevel::District, "华联超市3楼"), "***");
        assert_eq!(mask(AddressLevel::District, "123 Main Street"), "***");
        assert_eq!(mask(AddressLevel::District, ""), "***");
    }

    #[test]
    fn an_address_starting_at_the_city_keeps_the_city_and_district() {
        assert_eq!(
            mask(AddressLevel::District, "深圳市南山区粤海街道"),
            "深圳市南山区***"
        );
        assert_eq!(mask(AddressLevel::Province, "深圳市南山区粤海街道"), "***");
    }
}
