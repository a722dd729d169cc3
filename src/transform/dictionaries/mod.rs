//! Built-in dictionaries: common surnames with rough weights, compound surnames,
//! given-name characters, street names, and (in [`regions`]) the GB/T 2260 region
//! table. Shared by name and address masking, the fakes and the demo data generator.
//! Everything here is static data; nothing is read at run time.

pub mod regions;

/// The ~100 most common single-character surnames, each with a rough weight (about
/// per ten thousand people, after published census rankings; only the order and the
/// rough proportions matter).
pub const SURNAMES: &[(&str, u32)] = &[
    ("王", 710),
    ("李", 700),
    ("张", 670),
    ("刘", 540),
    ("陈", 460),
    ("杨", 310),
    ("黄", 250),
    ("赵", 230),
    ("吴", 200),
    ("周", 190),
    ("徐", 150),
    ("孙", 150),
    ("马", 140),
    ("朱", 130),
    ("胡", 120),
    ("郭", 120),
    ("何", 110),
    ("林", 110),
    ("高", 100),
    ("罗", 100),
    ("郑", 90),
    ("梁", 90),
    ("谢", 80),
    ("宋", 80),
    ("唐", 70),
    ("许", 70),
    ("韩", 70),
    ("冯", 70),
    ("邓", 70),
    ("曹", 70),
    ("彭", 60),
    ("曾", 60),
    ("肖", 60),
    ("田", 60),
    ("董", 50),
    ("袁", 50),
    ("潘", 50),
    ("于", 50),
    ("蒋", 50),
    ("蔡", 50),
    ("余", 50),
    ("杜", 50),
    ("叶", 50),
    ("程", 50),
    ("苏", 40),
    ("魏", 40),
    ("吕", 40),
    ("丁", 40),
    ("任", 40),
    ("沈", 40),
    ("姚", 40),
    ("卢", 40),
    ("姜", 40),
    ("崔", 40),
    ("钟", 40),
    ("谭", 40),
    ("陆", 30),
    ("汪", 30),
    ("范", 30),
    ("金", 30),
    ("石", 30),
    ("廖", 30),
    ("贾", 30),
    ("夏", 30),
    ("韦", 30),
    ("付", 30),
    ("方", 30),
    ("白", 30),
    ("邹", 30),
    ("孟", 30),
    ("熊", 30),
    ("秦", 30),
    ("邱", 30),
    ("江", 30),
    ("尹", 30),
    ("薛", 20),
    ("闫", 20),
    ("段", 20),
    ("雷", 20),
    ("侯", 20),
    ("龙", 20),
    ("史", 20),
    ("陶", 20),
    ("黎", 20),
    ("贺", 20),
    ("顾", 20),
    ("毛", 20),
    ("郝", 20),
    ("龚", 20),
    ("邵", 20),
    ("万", 20),
    ("钱", 20),
    ("严", 20),
    ("覃", 20),
    ("武", 20),
    ("戴", 20),
    ("莫", 20),
    ("孔", 20),
    ("向", 20),
    ("汤", 20),
];

/// Two-character (compound) surnames. A name starting with one of these keeps both
/// characters as its surname.
pub const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠",
    "仲孙", "钟离", "闻人", "万俟", "赫连", "呼延", "百里", "东郭", "南宫", "西门", "第五", "拓跋",
    "司空", "司寇", "亓官", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "段干",
    "左丘", "东门", "梁丘", "羊舌", "微生", "公羊", "谷梁", "独孤", "完颜", "纳兰",
];

/// Given-name characters used more often for men.
pub const GIVEN_MALE: &str = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国文东亮成\
    志峰坤海晨睿博诚鸿瑞轩哲昊然子豪翔毅锋振兴庆德义力伦彬松柏森天佳祥荣福瀚\
    泽宏鹤达安岩恒江山川石坚正中和嘉良栋维启克铭翰航晗骏彦靖钧乐晓家宸奕楷承\
    泓逸景晟煜霖琛朗锐泰宗耀勋卫武忠贤";

/// Given-name characters used more often for women.
pub const GIVEN_FEMALE: &str = "芳娜敏静丽艳娟霞秀英慧莉玲桂兰萍红婷雪琳晶颖洁倩琴云燕梅蓉薇月莹璐欣怡悦\
    瑶雯婉婕嫣媛媚蕾菲楠茜茹晴淑琪露蓓妍妮冰琼黛岚馨韵诗梦彤曼凡蕊昕涵菁萱瑾\
    璇莎钰凤琬瑜珊娅娴婧思雨可丹青素珍芸蓝紫艺语心柔依若秋春夏雅霏婵娥";

/// Street names for fake addresses (common names that exist in many cities, so no
/// fake address points at one real place).
pub const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "文化路",
    "胜利路",
    "友谊路",
    "长江路",
    "黄河路",
    "青年路",
    "光明路",
    "幸福路",
    "迎宾路",
    "朝阳路",
    "东风路",
    "健康路",
    "滨江路",
    "学府路",
    "科技路",
    "工业路",
    "花园路",
    "团结路",
    "振兴路",
    "复兴路",
    "建国路",
    "民主路",
    "公园路",
    "体育路",
    "府前街",
    "东大街",
    "西大街",
    "南大街",
    "北大街",
    "新民街",
    "兴华街",
    "育才路",
    "广场路",
    "湖滨路",
    "滨河路",
    "沿江路",
    "环城路",
    "站前路",
    "车站路",
    "园林路",
    "红旗路",
    "跃进路",
    "前进路",
    "五一路",
    "八一路",
    "劳动路",
    "永安路",
    "长安街",
    "金沙路",
    "银河路",
    "丰收路",
    "春华路",
    "秋实路",
    "桃源路",
];

/// The total weight of [`SURNAMES`].
pub fn surname_weight_total() -> u64 {
    SURNAMES.iter().map(|&(_, w)| u64::from(w)).sum()
}

/// The surname at `point` of the cumulative weights (`point` < total weight; larger
/// points wrap).
pub fn surname_at(point: u64) -> &'static str {
    let mut rest = point % surname_weight_total();
    for &(name, weight) in SURNAMES {
        if rest < u64::from(weight) {
            return name;
        }
        rest -= u64::from(weight);
    }
    SURNAMES[0].0
}

/// The compound surname `name` starts with, if any.
pub fn compound_surname_of(name: &str) -> Option<&'static str> {
    COMPOUND_SURNAMES
        .iter()
        .copied()
        .find(|s| name.starts_with(s))
}

/// The `index`-th (wrapping) character of a character list.
pub fn char_at(list: &str, index: u64) -> char {
    let count = list.chars().count() as u64;
    list.chars()
        .nth((index % count.max(1)) as usize)
        .unwrap_or('明')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_han(c: char) -> bool {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
    }

    #[test]
    fn every_dictionary_entry_is_han_text() {
        assert!(
            SURNAMES
                .iter()
                .all(|(s, w)| s.chars().count() == 1 && *w > 0)
        );
        assert!(SURNAMES.iter().all(|(s, _)| s.chars().all(is_han)));
        assert!(
            COMPOUND_SURNAMES
                .iter()
                .all(|s| s.chars().count() == 2 && s.chars().all(is_han))
        );
        assert!(GIVEN_MALE.chars().chain(GIVEN_FEMALE.chars()).all(is_han));
        assert!(STREETS.iter().all(|s| s.chars().all(is_han)));
    }

    #[test]
    fn there_are_about_a_hundred_surnames_and_hundreds_of_given_characters() {
        assert!(SURNAMES.len() >= 100);
        assert!(GIVEN_MALE.chars().count() + GIVEN_FEMALE.chars().count() >= 200);
    }

    #[test]
    fn surnames_are_picked_by_weight() {
        assert_eq!(surname_at(0), "王");
        assert_eq!(surname_at(709), "王");
        assert_eq!(surname_at(710), "李");
        assert_eq!(surname_at(surname_weight_total()), "王");
    }

    #[test]
    fn compound_surnames_are_recognised_at_the_start_only() {
        assert_eq!(compound_surname_of("欧阳娜娜"), Some("欧阳"));
        assert_eq!(compound_surname_of("张欧阳"), None);
    }
}
