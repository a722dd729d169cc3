//! The region table: all 34 provincial-level divisions with their GB/T 2260 codes, and
//! for each mainland province a few real prefecture-level cities and county-level
//! districts with their 6-digit codes. Only codes known to be right are listed; the
//! table is a sample, not the whole standard. Taiwan, Hong Kong and Macau have a
//! provincial code only (GB/T 2260 lists no divisions below them).
//!
//! For the four municipalities the city row repeats the province's name under the
//! city code `xx01` (GB/T 2260 calls 110100 "市辖区"), so every district has a city.

/// A provincial-level division.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Province {
    /// 2-digit code (11 = 北京市).
    pub code: u32,
    pub name: &'static str,
    /// The name without its type (北京, 内蒙古, 广西), as addresses often write it.
    pub short: &'static str,
}

/// A prefecture-level division (市, 自治州, 地区, 盟).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct City {
    /// 4-digit code (4403 = 深圳市).
    pub code: u32,
    pub name: &'static str,
    pub short: &'static str,
}

/// A county-level division (区, 县, 旗, county-level 市).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct District {
    /// 6-digit code (440305 = 南山区), as in the first six digits of an ID number.
    pub code: u32,
    pub name: &'static str,
}

macro_rules! provinces {
    ($(($code:expr, $name:expr, $short:expr)),* $(,)?) => {
        &[$(Province { code: $code, name: $name, short: $short }),*]
    };
}

macro_rules! cities {
    ($(($code:expr, $name:expr, $short:expr)),* $(,)?) => {
        &[$(City { code: $code, name: $name, short: $short }),*]
    };
}

macro_rules! districts {
    ($(($code:expr, $name:expr)),* $(,)?) => {
        &[$(District { code: $code, name: $name }),*]
    };
}

/// All 34 provincial-level divisions.
pub const PROVINCES: &[Province] = provinces![
    (11, "北京市", "北京"),
    (12, "天津市", "天津"),
    (13, "河北省", "河北"),
    (14, "山西省", "山西"),
    (15, "内蒙古自治区", "内蒙古"),
    (21, "辽宁省", "辽宁"),
    (22, "吉林省", "吉林"),
    (23, "黑龙江省", "黑龙江"),
    (31, "上海市", "上海"),
    (32, "江苏省", "江苏"),
    (33, "浙江省", "浙江"),
    (34, "安徽省", "安徽"),
    (35, "福建省", "福建"),
    (36, "江西省", "江西"),
    (37, "山东省", "山东"),
    (41, "河南省", "河南"),
    (42, "湖北省", "湖北"),
    (43, "湖南省", "湖南"),
    (44, "广东省", "广东"),
    (45, "广西壮族自治区", "广西"),
    (46, "海南省", "海南"),
    (50, "重庆市", "重庆"),
    (51, "四川省", "四川"),
    (52, "贵州省", "贵州"),
    (53, "云南省", "云南"),
    (54, "西藏自治区", "西藏"),
    (61, "陕西省", "陕西"),
    (62, "甘肃省", "甘肃"),
    (63, "青海省", "青海"),
    (64, "宁夏回族自治区", "宁夏"),
    (65, "新疆维吾尔自治区", "新疆"),
    (71, "台湾省", "台湾"),
    (81, "香港特别行政区", "香港"),
    (82, "澳门特别行政区", "澳门"),
];

/// Prefecture-level divisions (and the municipalities' own city rows).
pub const CITIES: &[City] = cities![
    (1101, "北京市", "北京"),
    (1201, "天津市", "天津"),
    (3101, "上海市", "上海"),
    (5001, "重庆市", "重庆"),
    (1301, "石家庄市", "石家庄"),
    (1302, "唐山市", "唐山"),
    (1304, "邯郸市", "邯郸"),
    (1401, "太原市", "太原"),
    (1501, "呼和浩特市", "呼和浩特"),
    (1502, "包头市", "包头"),
    (1522, "兴安盟", "兴安"),
    (1525, "锡林郭勒盟", "锡林郭勒"),
    (2101, "沈阳市", "沈阳"),
    (2102, "大连市", "大连"),
    (2201, "长春市", "长春"),
    (2224, "延边朝鲜族自治州", "延边"),
    (2301, "哈尔滨市", "哈尔滨"),
    (3201, "南京市", "南京"),
    (3205, "苏州市", "苏州"),
    (3301, "杭州市", "杭州"),
    (3302, "宁波市", "宁波"),
    (3401, "合肥市", "合肥"),
    (3501, "福州市", "福州"),
    (3502, "厦门市", "厦门"),
    (3601, "南昌市", "南昌"),
    (3701, "济南市", "济南"),
    (3702, "青岛市", "青岛"),
    (4101, "郑州市", "郑州"),
    (4201, "武汉市", "武汉"),
    (4301, "长沙市", "长沙"),
    (4401, "广州市", "广州"),
    (4403, "深圳市", "深圳"),
    (4501, "南宁市", "南宁"),
    (4601, "海口市", "海口"),
    (5101, "成都市", "成都"),
    (5134, "凉山彝族自治州", "凉山"),
    (5201, "贵阳市", "贵阳"),
    (5301, "昆明市", "昆明"),
    (5329, "大理白族自治州", "大理"),
    (5401, "拉萨市", "拉萨"),
    (6101, "西安市", "西安"),
    (6201, "兰州市", "兰州"),
    (6301, "西宁市", "西宁"),
    (6401, "银川市", "银川"),
    (6501, "乌鲁木齐市", "乌鲁木齐"),
    (6531, "喀什地区", "喀什"),
];

/// County-level divisions.
pub const DISTRICTS: &[District] = districts![
    (110101, "东城区"),
    (110102, "西城区"),
    (110105, "朝阳区"),
    (110106, "丰台区"),
    (110107, "石景山区"),
    (110108, "海淀区"),
    (110112, "通州区"),
    (110114, "昌平区"),
    (120101, "和平区"),
    (120102, "河东区"),
    (120103, "河西区"),
    (120104, "南开区"),
    (120116, "滨海新区"),
    (130102, "长安区"),
    (130104, "桥西区"),
    (130105, "新华区"),
    (130202, "路南区"),
    (130203, "路北区"),
    (130402, "邯山区"),
    (130403, "丛台区"),
    (130404, "复兴区"),
    (140105, "小店区"),
    (140106, "迎泽区"),
    (140107, "杏花岭区"),
    (140108, "尖草坪区"),
    (140109, "万柏林区"),
    (140110, "晋源区"),
    (150102, "新城区"),
    (150103, "回民区"),
    (150104, "玉泉区"),
    (150105, "赛罕区"),
    (150121, "土默特左旗"),
    (150203, "昆都仑区"),
    (150204, "青山区"),
    (152201, "乌兰浩特市"),
    (152502, "锡林浩特市"),
    (210102, "和平区"),
    (210103, "沈河区"),
    (210104, "大东区"),
    (210105, "皇姑区"),
    (210106, "铁西区"),
    (210202, "中山区"),
    (210203, "西岗区"),
    (210204, "沙河口区"),
    (210211, "甘井子区"),
    (220102, "南关区"),
    (220103, "宽城区"),
    (220104, "朝阳区"),
    (220105, "二道区"),
    (222401, "延吉市"),
    (230102, "道里区"),
    (230103, "南岗区"),
    (230104, "道外区"),
    (310101, "黄浦区"),
    (310104, "徐汇区"),
    (310105, "长宁区"),
    (310106, "静安区"),
    (310107, "普陀区"),
    (310109, "虹口区"),
    (310110, "杨浦区"),
    (310112, "闵行区"),
    (310115, "浦东新区"),
    (320102, "玄武区"),
    (320104, "秦淮区"),
    (320105, "建邺区"),
    (320106, "鼓楼区"),
    (320505, "虎丘区"),
    (320506, "吴中区"),
    (320508, "姑苏区"),
    (330102, "上城区"),
    (330105, "拱墅区"),
    (330106, "西湖区"),
    (330108, "滨江区"),
    (330203, "海曙区"),
    (330212, "鄞州区"),
    (340102, "瑶海区"),
    (340103, "庐阳区"),
    (340104, "蜀山区"),
    (340111, "包河区"),
    (350102, "鼓楼区"),
    (350103, "台江区"),
    (350104, "仓山区"),
    (350203, "思明区"),
    (350206, "湖里区"),
    (360102, "东湖区"),
    (360103, "西湖区"),
    (370102, "历下区"),
    (370103, "市中区"),
    (370104, "槐荫区"),
    (370105, "天桥区"),
    (370202, "市南区"),
    (370203, "市北区"),
    (370212, "崂山区"),
    (410102, "中原区"),
    (410103, "二七区"),
    (410105, "金水区"),
    (420102, "江岸区"),
    (420103, "江汉区"),
    (420106, "武昌区"),
    (420111, "洪山区"),
    (430102, "芙蓉区"),
    (430103, "天心区"),
    (430104, "岳麓区"),
    (430105, "开福区"),
    (440103, "荔湾区"),
    (440104, "越秀区"),
    (440105, "海珠区"),
    (440106, "天河区"),
    (440303, "罗湖区"),
    (440304, "福田区"),
    (440305, "南山区"),
    (440306, "宝安区"),
    (450102, "兴宁区"),
    (450103, "青秀区"),
    (460105, "秀英区"),
    (460106, "龙华区"),
    (460107, "琼山区"),
    (460108, "美兰区"),
    (500103, "渝中区"),
    (500105, "江北区"),
    (500106, "沙坪坝区"),
    (500107, "九龙坡区"),
    (500108, "南岸区"),
    (510104, "锦江区"),
    (510105, "青羊区"),
    (510106, "金牛区"),
    (510107, "武侯区"),
    (513401, "西昌市"),
    (520102, "南明区"),
    (520103, "云岩区"),
    (530102, "五华区"),
    (530103, "盘龙区"),
    (532901, "大理市"),
    (540102, "城关区"),
    (610102, "新城区"),
    (610103, "碑林区"),
    (610104, "莲湖区"),
    (610113, "雁塔区"),
    (620102, "城关区"),
    (620103, "七里河区"),
    (630102, "城东区"),
    (630103, "城中区"),
    (630104, "城西区"),
    (640104, "兴庆区"),
    (640105, "西夏区"),
    (640106, "金凤区"),
    (650102, "天山区"),
    (650103, "沙依巴克区"),
    (653101, "喀什市"),
];

/// Whether a province is one of the four municipalities (北京, 天津, 上海, 重庆).
pub fn is_municipality(province_code: u32) -> bool {
    matches!(province_code, 11 | 12 | 31 | 50)
}

/// The province of a 2-digit code.
pub fn province(code: u32) -> Option<&'static Province> {
    PROVINCES.iter().find(|p| p.code == code)
}

/// The city of a 4-digit code.
pub fn city(code: u32) -> Option<&'static City> {
    CITIES.iter().find(|c| c.code == code)
}

/// The cities of a province.
pub fn cities_of(province_code: u32) -> impl Iterator<Item = &'static City> {
    CITIES.iter().filter(move |c| c.code / 100 == province_code)
}

/// The districts of a city.
pub fn districts_of(city_code: u32) -> impl Iterator<Item = &'static District> {
    DISTRICTS.iter().filter(move |d| d.code / 100 == city_code)
}

/// The districts of a province.
pub fn districts_in_province(province_code: u32) -> impl Iterator<Item = &'static District> {
    DISTRICTS
        .iter()
        .filter(move |d| d.code / 10_000 == province_code)
}

/// The full written form of a district: `广东省深圳市南山区`, `北京市朝阳区`.
pub fn full_name(district: &District) -> String {
    let province = province(district.code / 10_000);
    let city = city(district.code / 100);
    let mut out = String::new();
    if let Some(p) = province {
        out.push_str(p.name);
        if let Some(c) = city.filter(|_| !is_municipality(p.code)) {
            out.push_str(c.name);
        }
    }
    out.push_str(district.name);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_34_provincial_divisions_are_listed_once() {
        assert_eq!(PROVINCES.len(), 34);
        let mut codes: Vec<u32> = PROVINCES.iter().map(|p| p.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), 34);
        assert!(PROVINCES.iter().all(|p| p.name.starts_with(p.short)));
    }

    #[test]
    fn every_city_and_district_belongs_to_a_listed_parent() {
        assert!(CITIES.iter().all(|c| province(c.code / 100).is_some()));
        assert!(DISTRICTS.iter().all(|d| city(d.code / 100).is_some()));
        assert!(CITIES.iter().all(|c| c.name.starts_with(c.short)));
    }

    #[test]
    fn every_mainland_province_has_districts() {
        for p in PROVINCES.iter().filter(|p| p.code < 70) {
            assert!(districts_in_province(p.code).count() >= 1, "{}", p.name);
        }
    }

    #[test]
    fn codes_are_unique_and_well_known_ones_are_right() {
        let mut codes: Vec<u32> = DISTRICTS.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DISTRICTS.len());
        let name = |code| DISTRICTS.iter().find(|d| d.code == code).map(full_name);
        assert_eq!(name(110105).as_deref(), Some("北京市朝阳区"));
        assert_eq!(name(310115).as_deref(), Some("上海市浦东新区"));
        assert_eq!(name(440305).as_deref(), Some("广东省深圳市南山区"));
    }
}
