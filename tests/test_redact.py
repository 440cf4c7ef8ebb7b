"""redact(): personal data becomes fixed tokens; every other character stays as it was."""

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kujo_triage.redact import MASKS, redact

# (input, expected output)
CASES = [
    # e-mail: before anything else, full-width too
    ("返信はtaro.yamada@example.co.jpまでお願いします", "返信は【メール】までお願いします"),
    ("ｈａｎａｋｏ＿１２３＠ｄｏｃｏｍｏ．ｎｅ．ｊｐに送ってください", "【メール】に送ってください"),
    ("09012345678@ezweb.ne.jp から送りました", "【メール】 から送りました"),
    # phone numbers: fixed, mobile, free dial, +81, brackets, full-width digits, dash variants
    ("携帯は090-1234-5678です", "携帯は【電話番号】です"),
    ("電話：０３－１２３４－５６７８（平日のみ）", "電話：【電話番号】（平日のみ）"),
    ("(03)1234-5678 か 03(1234)5678 に", "【電話番号】 か 【電話番号】 に"),
    ("フリーダイヤル0120-123-456に何度かけても", "フリーダイヤル【電話番号】に何度かけても"),
    ("+81 90 1234 5678 に折り返してください", "【電話番号】 に折り返してください"),
    ("海外からは+81(0)3-1234-5678へ", "海外からは【電話番号】へ"),
    ("09012345678に電話してください", "【電話番号】に電話してください"),
    ("０９０ー１２３４ー５６７８（長音符で入力）", "【電話番号】（長音符で入力）"),
    ("TEL:0466‐12‐3456", "TEL:【電話番号】"),
    ("IP電話 050−1234−5678", "IP電話 【電話番号】"),
    ("tel06-1234-5678", "tel【電話番号】"),
    ("電話番号は03-1234-5678、FAXは03-1234-5679です", "電話番号は【電話番号】、FAXは【電話番号】です"),
    # payment cards: Luhn, except that 4-4-4-4 is always a card; a card label masks any 13-19 digits
    ("カード番号 4111 1111 1111 1111 で決済しました", "カード番号 【カード番号】 で決済しました"),
    ("4111-1111-1111-1112 が不正利用された", "【カード番号】 が不正利用された"),
    ("番号4111111111111111で登録", "番号【カード番号】で登録"),
    ("アメックス 3782 822463 10005", "アメックス 【カード番号】"),
    ("クレジットカードの番号は1234567890123です", "クレジットカードの番号は【カード番号】です"),
    # My Number: check digit, or any 12 digits after マイナンバー / 個人番号
    ("マイナンバーは1234 5678 9012です", "マイナンバーは【マイナンバー】です"),
    ("個人番号：123456789012", "個人番号：【マイナンバー】"),
    ("書類に123456789018と書いてありました", "書類に【マイナンバー】と書いてありました"),
    # postal codes: the 〒 and label stay
    ("〒100-0005 東京都千代田区丸の内一丁目2番3号", "〒【郵便番号】 【住所】"),
    ("郵便番号は1500001です", "郵便番号は【郵便番号】です"),
    ("530-0001 大阪府大阪市北区梅田1-2-3", "【郵便番号】 【住所】"),
    # addresses: prefecture or city through block numbers and building/room
    ("大阪府大阪市北区梅田1-2-3 梅田ビル5階に届けてください", "【住所】に届けてください"),
    ("横浜市中区山下町１－２－３ コーポ山下２０１号室", "【住所】"),
    ("先日、京都市左京区北白川二丁目5番地の12に住む母が", "先日、【住所】に住む母が"),
    ("先日横浜市中区山下町1-2-3に引っ越しました", "先日【住所】に引っ越しました"),
    ("札幌市中央区北1条西2丁目3-4", "【住所】"),
    ("〒１００－０００５　東京都千代田区丸の内１丁目２番３号　丸の内ビルディング１２階",
     "〒【郵便番号】　【住所】"),
    # names: 姓+名 merged, honorifics stay
    ("山田太郎様から連絡がありました", "【氏名】様から連絡がありました"),
    ("担当の佐藤さんが失礼でした", "担当の【氏名】さんが失礼でした"),
    ("鈴木 一郎です。", "【氏名】です。"),
    ("ヤマダタロウ様", "【氏名】様"),
    ("ﾔﾏﾀﾞ ﾀﾛｳ様", "【氏名】様"),
    ("パク・ジヒョンと申します", "【氏名】と申します"),
    ("山田花子宛に届いた封筒", "【氏名】宛に届いた封筒"),
    # all kinds at once
    ("〒530-0001 大阪府大阪市北区梅田1-2-3 山田太郎様 090-1234-5678 taro@example.jp",
     "〒【郵便番号】 【住所】 【氏名】様 【電話番号】 【メール】"),
    # --- false positives: these stay as they are ---
    ("2024-01-15に注文しました", "2024-01-15に注文しました"),
    ("2024年1月15日 10:30ごろ届きました", "2024年1月15日 10:30ごろ届きました"),
    ("3,980円の商品が届きません", "3,980円の商品が届きません"),
    ("注文番号 A-12345 と 12345678 の件です", "注文番号 A-12345 と 12345678 の件です"),
    ("お客様番号 0412-338-901 です", "お客様番号 0412-338-901 です"),
    ("受付番号 123456789018 の件", "受付番号 123456789018 の件"),
    ("番号123456789012は無効でした", "番号123456789012は無効でした"),
    ("4111111111111112 という番号", "4111111111111112 という番号"),
    ("注文番号 123-4567 の件", "注文番号 123-4567 の件"),
    ("受付時間は10:00-18:00です", "受付時間は10:00-18:00です"),
    ("東京都港区に住んでいます", "東京都港区に住んでいます"),
    ("大阪市の店舗で3番目に並びました", "大阪市の店舗で3番目に並びました"),
    ("株式会社タカギ商事の営業が来ました", "株式会社タカギ商事の営業が来ました"),
    ("金がないので困っています", "金がないので困っています"),
    ("絶対に許さん", "絶対に許さん"),
    ("羽田空港で荷物をなくしました", "羽田空港で荷物をなくしました"),
    ("仲居さんの対応が良かった", "仲居さんの対応が良かった"),
    ("ミラーちゃんと見てなかった", "ミラーちゃんと見てなかった"),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_redact(text, expected):
    assert redact(text) == expected


NATURAL = [
    "商品が届いたら箱が潰れていて、中のグラスが2個割れていました。交換をお願いします。",
    "先月から3回も問い合わせていますが、まだ返事がありません。いい加減にしてください！",
    "充電中にスマホが発火して、子どもが手をやけどしました",
    "アプリにログインできません。パスワードを再設定しても同じエラーが出ます。",
    "2月10日に注文した3,980円のセーターが、2週間経っても届きません。",
    "店員の態度が悪く、とても不快でした。二度と行きません。",
    "ｶｽﾀﾏｰｾﾝﾀｰに電話したら３０分も待たされました！！",
    "",
]


@pytest.mark.parametrize("text", NATURAL)
def test_text_without_personal_data_is_unchanged(text):
    assert redact(text) == text


def test_masks_are_the_documented_tokens():
    assert list(MASKS.values()) == ["【メール】", "【カード番号】", "【マイナンバー】", "【郵便番号】",
                                    "【電話番号】", "【住所】", "【氏名】"]


def test_masks_in_the_input_are_left_alone():
    text = "【氏名】様（【電話番号】）から【住所】宛"
    assert redact(text) == text


@pytest.mark.parametrize("value, message", [
    (b"\xe5\xb1\xb1\xe7\x94\xb0", r"redact expected a str, got bytes \(decode it first"),
    (None, r"redact expected a str, got NoneType"),
    (float("nan"), r"redact expected a str, got float \(a missing value\? fill empty cells first"),
    (["山田太郎"], r"redact expected a str, got list"),
])
def test_non_str_input_is_a_type_error(value, message):
    with pytest.raises(TypeError, match=message):
        redact(value)


# Pieces a complaint is made of, personal data and look-alikes mixed, so generated texts put
# masks next to one another and next to names, numbers and labels.
FRAGMENTS = [
    "山田", "太郎", "花子", "佐藤", "様", "さん", " ", "　", "・", "、", "。", "\n", "の", "が", "です",
    "090-1234-5678", "０３－１２３４－５６７８", "03", "-", "ー", "1234", "5678", "0120", "+81",
    "4111 1111 1111 1111", "4111111111111111", "123456789018", "マイナンバー", "注文番号", "カード番号",
    "〒", "100-0005", "東京都", "千代田区", "横浜市", "中区", "丸の内", "一丁目", "2番", "3号", "1-2-3",
    "ビル", "201号室", "taro@example.jp", "@", ".", "2024-01-15", "3,980円", "【氏名】", "【住所】",
    "ミラー", "ちゃん", "金", "許", "株式会社", "商事", "ｱｲｳ", "ﾀﾛｳ",
]

complaints = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3), max_size=14).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(complaints)
def test_redact_is_idempotent(text):
    once = redact(text)
    assert redact(once) == once


@SETTINGS
@given(complaints)
def test_only_masked_spans_change(text):
    # the output, with each mask read as "some non-empty original text", spells the input
    out = redact(text)
    masks = "|".join(map(re.escape, MASKS.values()))
    pattern = "".join(".+?" if re.fullmatch(masks, piece) else re.escape(piece)
                      for piece in re.split(f"({masks})", out))
    assert re.fullmatch(pattern, text, flags=re.DOTALL)
