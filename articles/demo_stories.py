"""The demo newsroom's content: sources, entities and stories we wrote ourselves.

The stories are our own short summaries of the September 2023 meeting between the leaders of
North Korea and Russia, as four fictional outlets (Kabar Timur, The Meridian Post, Hanbit Ilbo,
Vestnik Primorya) might have covered it in Indonesian, English, Korean and Russian. Agencies and
officials they cite are real names; every sentence is ours.
"""

# key: (name, kind, country, url)
SOURCES = {
    "kabar": ("Kabar Timur", "publication", "ID", "https://kabartimur.example/"),
    "meridian": ("The Meridian Post", "publication", "SG", "https://meridianpost.example/"),
    "hanbit": ("한빛일보", "publication", "KR", "https://hanbit.example/"),
    "vestnik": ("Вестник Приморья", "publication", "RU", "https://vestnik-primorya.example/"),
    "yonhap": ("Yonhap", "news_agency", "KR", "https://en.yna.co.kr/"),
    "chosun": ("Chosun Ilbo", "publication", "KR", "https://www.chosun.com/"),
    "tass": ("TASS", "news_agency", "RU", "https://tass.com/"),
    "kcna": ("KCNA", "news_agency", "KP", ""),
    "kremlin": ("Kremlin", "government", "RU", "http://kremlin.ru/"),
    "peskov": ("Dmitry Peskov", "person", "RU", ""),
    "putin": ("Vladimir Putin", "person", "RU", ""),
    "nsc": ("US National Security Council", "government", "US", "https://www.whitehouse.gov/"),
    "us-officials": ("US officials", "anonymous", "US", ""),
    "sk-official": ("an unnamed South Korean government official", "anonymous", "KR", ""),
}

# key: (name, kind, wikidata id, aliases); an alias is "name" or ("name", "language").
ENTITIES = {
    "kim": ("Kim Jong Un", "person", "Q56226", [("김정은", "ko"), ("Ким Чен Ын", "ru"), ("Ким Чен Ына", "ru"), ("Ким Чен Ыном", "ru")]),
    "putin": (
        "Vladimir Putin", "person", "Q7747",
        ["Putin", ("푸틴", "ko"), ("Владимир Путин", "ru"), ("Путин", "ru"), ("Путина", "ru")],
    ),
    "peskov": ("Dmitry Peskov", "person", "Q4160431", ["Peskov", ("페스코프", "ko"), ("Дмитрий Песков", "ru"), ("Песков", "ru")]),
    "kremlin": ("Kremlin", "organisation", "Q42927", [("크렘린궁", "ko"), ("Кремль", "ru"), ("Кремле", "ru")]),
    "yonhap": ("Yonhap", "organisation", "Q484244", [("연합뉴스", "ko")]),
    "chosun": ("Chosun Ilbo", "organisation", "Q625462", [("조선일보", "ko")]),
    "tass": ("TASS", "organisation", "Q223799", [("타스", "ko"), ("ТАСС", "ru")]),
    "kcna": ("KCNA", "organisation", "Q319618", [("조선중앙통신", "ko")]),
    "nsc": ("United States National Security Council", "organisation", "Q1064211", ["National Security Council", ("Dewan Keamanan Nasional", "id"), ("국가안보회의", "ko")]),
    "vladivostok": ("Vladivostok", "place", "Q959", [("블라디보스토크", "ko"), ("Владивосток", "ru"), ("Владивостоке", "ru")]),
    "pyongyang": ("Pyongyang", "place", "Q18808", [("평양", "ko"), ("Пхеньян", "ru")]),
    "russia": ("Russia", "place", "Q159", [("Rusia", "id"), ("러시아", "ko"), ("Россия", "ru"), ("Россию", "ru"), ("России", "ru")]),
    "north-korea": ("North Korea", "place", "Q423", [("Korea Utara", "id"), ("북한", "ko"), ("КНДР", "ru")]),
    "vostochny": ("Vostochny Cosmodrome", "place", "Q1376143", [("Kosmodrom Vostochny", "id"), ("보스토치니 우주기지", "ko"), ("космодром Восточный", "ru"), ("космодроме Восточный", "ru")]),
    "eef": ("Eastern Economic Forum", "event", "Q16336236", [("Forum Ekonomi Timur", "id"), ("동방경제포럼", "ko"), ("Восточный экономический форум", "ru")]),
}

# key: dict(source, language, status, published_at, title, body, url slug)
STORIES = {
    "us-arms-talks-en": dict(
        publisher="meridian", language="en", status="published", published_at="2023-09-05T02:10:00+00:00",
        title="US says Russia and North Korea are moving ahead with arms talks",
        body=(
            "Washington says Russia and North Korea are pressing ahead with talks on weapons supplies, and that "
            "Kim Jong Un expects to discuss them in person with Vladimir Putin.\n\n"
            "A spokesperson for the National Security Council said on the record that the negotiations were "
            "actively advancing. US officials, speaking on condition of anonymity, said Kim is expected to meet "
            "Putin in Vladivostok this month.\n\n"
            "The Kremlin declined to comment on the reports."
        ),
    ),
    "us-arms-talks-id": dict(
        publisher="kabar", language="id", status="published", published_at="2023-09-05T06:30:00+00:00",
        title="AS: Rusia dan Korea Utara memajukan pembicaraan senjata",
        body=(
            "Amerika Serikat menyatakan Rusia dan Korea Utara terus memajukan pembicaraan tentang pasokan senjata. "
            "Juru bicara Dewan Keamanan Nasional mengatakan perundingan itu aktif bergerak maju.\n\n"
            "Menurut para pejabat AS yang tidak disebutkan namanya, Kim Jong Un diperkirakan akan bertemu Putin "
            "di Vladivostok bulan ini. Kremlin menolak berkomentar."
        ),
    ),
    "us-arms-talks-ko": dict(
        publisher="hanbit", language="ko", status="published", published_at="2023-09-05T04:00:00+00:00",
        title="미국 \"북러 무기 협상 진전 중\"",
        body=(
            "미국 국가안보회의 대변인은 러시아와 북한 사이의 무기 협상이 적극적으로 진전되고 있다고 공개적으로 밝혔다.\n\n"
            "익명을 요구한 미국 관리들은 북한이 러시아에 포탄을 공급하고 있다고 말했다. "
            "크렘린궁은 이에 대해 언급하지 않았다."
        ),
    ),
    "train-departs-id": dict(
        publisher="kabar", language="id", status="published", published_at="2023-09-11T09:15:00+00:00",
        title="Kereta Kim Jong Un berangkat ke Rusia, Kremlin pastikan kunjungan",
        body=(
            "Media Korea Selatan melaporkan bahwa kereta yang membawa Kim Jong Un telah berangkat dari Pyongyang "
            "menuju Rusia. Kantor berita Yonhap mengutip seorang pejabat pemerintah yang tidak disebutkan namanya, "
            "sementara harian Chosun Ilbo menurunkan laporan serupa.\n\n"
            "Beberapa jam kemudian Kremlin mengumumkan secara resmi bahwa kunjungan itu akan berlangsung dalam "
            "beberapa hari mendatang atas undangan Vladimir Putin. Juru bicara Kremlin Dmitry Peskov "
            "menyampaikan hal itu kepada wartawan.\n\n"
            "Menurut kantor berita TASS, Putin sedang berada di Vladivostok untuk menghadiri Forum Ekonomi Timur. "
            "Para pejabat AS sebelumnya merilis informasi intelijen bahwa kedua negara sedang menyiapkan pertemuan "
            "tingkat pemimpin."
        ),
    ),
    "visit-confirmed-en": dict(
        publisher="meridian", language="en", status="published", published_at="2023-09-11T10:05:00+00:00",
        title="Kremlin confirms Kim Jong Un will visit Russia",
        body=(
            "The Kremlin confirmed on Monday that Kim Jong Un will visit Russia in the coming days at the invitation "
            "of Vladimir Putin. Dmitry Peskov announced the visit in an on-the-record statement.\n\n"
            "Earlier, Yonhap reported, citing an unnamed South Korean official, that the North Korean leader's "
            "armoured train appeared to have left Pyongyang for Russia.\n\n"
            "Putin is in Vladivostok for the Eastern Economic Forum, according to TASS."
        ),
    ),
    "train-departs-ko": dict(
        publisher="hanbit", language="ko", status="published", published_at="2023-09-11T08:40:00+00:00",
        title="김정은 전용열차, 평양 떠나 러시아로",
        body=(
            "김정은 국무위원장을 태운 전용열차가 평양을 떠나 러시아로 향한 것으로 보인다고 연합뉴스가 정부 소식통을 인용해 보도했다.\n\n"
            "조선일보도 비슷한 내용을 전했다. 크렘린궁은 김정은의 방문이 며칠 안에 이뤄질 것이라고 확인했다."
        ),
    ),
    "visit-confirmed-ru": dict(
        publisher="vestnik", language="ru", status="published", published_at="2023-09-11T11:20:00+00:00",
        title="Кремль подтвердил визит Ким Чен Ына в Россию",
        body=(
            "Дмитрий Песков сообщил журналистам, что лидер КНДР Ким Чен Ын по приглашению Владимира Путина "
            "посетит Россию в ближайшие дни.\n\n"
            "По данным ТАСС, Путин находится во Владивостоке, где проходит Восточный экономический форум. "
            "Южнокорейские СМИ ранее сообщили, что поезд Ким Чен Ына выехал из Пхеньяна. В Кремле подтвердили, "
            "что поезд северокорейского лидера уже находится в пути в Россию."
        ),
    ),
    "what-each-side-wants-en": dict(
        publisher="meridian", language="en", status="draft", published_at=None,
        title="Explainer: what Moscow and Pyongyang each want from the summit",
        body=(
            "US officials say Russia wants artillery shells for its war in Ukraine, while North Korea is seeking "
            "food, energy and advanced weapons technology.\n\n"
            "Neither government has confirmed those aims. This explainer is being updated as the visit unfolds."
        ),
    ),
    "summit-en": dict(
        publisher="meridian", language="en", status="published", published_at="2023-09-13T08:45:00+00:00",
        title="Kim and Putin meet at Russia's Vostochny spaceport",
        body=(
            "Kim Jong Un and Vladimir Putin held talks at the Vostochny Cosmodrome in Russia's Far East on "
            "Wednesday, not in Vladivostok as some officials had expected.\n\n"
            "Putin told Russian state television that Russia would help North Korea build satellites. "
            "The talks lasted about four hours, including a formal dinner.\n\n"
            "Dmitry Peskov said no agreements had been signed."
        ),
    ),
    "summit-id": dict(
        publisher="kabar", language="id", status="published", published_at="2023-09-13T10:00:00+00:00",
        title="Kim dan Putin bertemu di Kosmodrom Vostochny",
        body=(
            "Kim Jong Un dan Vladimir Putin bertemu di Kosmodrom Vostochny, Rusia, pada hari Rabu. "
            "Kremlin menyebut pembicaraan itu berlangsung dalam suasana bersahabat.\n\n"
            "Juru bicara Kremlin Dmitry Peskov mengatakan tidak ada perjanjian yang ditandatangani. "
            "Koreksi: Kabar Timur sebelumnya keliru melaporkan bahwa Kim terbang ke Vladivostok."
        ),
    ),
    "summit-ru": dict(
        publisher="vestnik", language="ru", status="published", published_at="2023-09-13T09:30:00+00:00",
        title="Путин и Ким Чен Ын провели переговоры на космодроме Восточный",
        body=(
            "Владимир Путин встретился с Ким Чен Ыном на космодроме Восточный в Амурской области.\n\n"
            "Дмитрий Песков заявил, что никаких соглашений подписано не было. "
            "Песков также отверг сообщения о том, что КНДР поставляет России артиллерийские снаряды."
        ),
    ),
    "summit-ko": dict(
        publisher="hanbit", language="ko", status="published", published_at="2023-09-13T09:10:00+00:00",
        title="김정은·푸틴, 보스토치니 우주기지서 정상회담",
        body=(
            "김정은 국무위원장과 푸틴 대통령이 보스토치니 우주기지에서 정상회담을 열었다.\n\n"
            "타스 통신에 따르면 푸틴 대통령은 북한의 위성 개발을 돕겠다는 뜻을 내비쳤다. "
            "조선중앙통신은 회담이 성공적이었다고 전했다."
        ),
    ),
    "kim-flies-id": dict(
        publisher="kabar", language="id", status="withdrawn", published_at="2023-09-11T07:00:00+00:00",
        title="Kim Jong Un terbang ke Vladivostok",
        body=(
            "Kim Jong Un dikabarkan terbang ke Vladivostok untuk bertemu Vladimir Putin. "
            "Laporan ini kemudian ditarik karena Kim ternyata bepergian dengan kereta."
        ),
    ),
    "summit-analysis-ru": dict(
        publisher="vestnik", language="ru", status="draft", published_at=None,
        title="Что означает встреча на Восточном для Приморья",
        body=(
            "Встреча лидеров прошла в Амурской области, но для Владивостока она тоже важна: "
            "Восточный экономический форум собрал гостей из Азии.\n\n"
            "Материал готовится к публикации."
        ),
    ),
}

# Each claim: story, the exact words in the body, an optional statement, the chain as
# (source, role, sourcing) attributions, and the status changes as (status, reason, evidence) where
# evidence is ("quote", position in the chain), ("article", story key) or ("url", address).
# Claims with the same "claim" key are one claim across stories, worded as the first of them
# (with its "translations", by language).
CLAIMS = [
    dict(
        story="train-departs-id",
        exact="kunjungan itu akan berlangsung dalam beberapa hari mendatang",
        statement="Kim Jong Un's visit to Russia will take place in the coming days.",
        chain=[("kremlin", "speaker", "on_record")],
        changes=[("confirmed", "The Kremlin announced it on the record.", ("quote", 0))],
    ),
    # The train claim, told in four stories in four languages: one claim across stories (the key
    # "claim"), worded first as the Indonesian newsroom recorded it, with its wording in the others.
    dict(
        story="train-departs-id",
        exact="kereta yang membawa Kim Jong Un telah berangkat dari Pyongyang menuju Rusia",
        statement="Kereta Kim Jong Un telah berangkat dari Pyongyang menuju Rusia.",
        chain=[("sk-official", "speaker", "anonymous"), ("yonhap", "via", "on_record")],
        changes=[("reported", "Yonhap reports it, citing an unnamed official.", None)],
        claim="train",
        translations={
            "en": "Kim Jong Un's train has left Pyongyang for Russia.",
            "ko": "김정은의 전용열차가 평양을 떠나 러시아로 향했다.",
            "ru": "Поезд Ким Чен Ына выехал из Пхеньяна в Россию.",
        },
    ),
    dict(
        story="train-departs-ko",
        exact="김정은 국무위원장을 태운 전용열차가 평양을 떠나 러시아로 향한 것으로 보인다",
        chain=[("sk-official", "speaker", "anonymous"), ("yonhap", "via", "on_record")],
        changes=[("reported", "Yonhap, citing a government source.", None)],
        claim="train",
    ),
    dict(
        story="visit-confirmed-ru",
        exact="поезд северокорейского лидера уже находится в пути в Россию",
        chain=[("kremlin", "speaker", "on_record")],
        changes=[("confirmed", "The Kremlin confirmed it on the record.", ("quote", 0))],
        claim="train",
    ),
    dict(
        story="train-departs-id",
        exact="Putin sedang berada di Vladivostok untuk menghadiri Forum Ekonomi Timur",
        chain=[("tass", "speaker", "on_record")],
        changes=[("reported", "Attributed to TASS.", None)],
    ),
    dict(
        story="visit-confirmed-en",
        exact="Kim Jong Un will visit Russia in the coming days at the invitation of Vladimir Putin",
        chain=[("peskov", "speaker", "on_record"), ("kremlin", "document", "on_record")],
        changes=[("confirmed", "On-record statement by the Kremlin spokesman.", ("quote", 0))],
    ),
    dict(
        story="visit-confirmed-en",
        exact="armoured train appeared to have left Pyongyang for Russia",
        statement="Kim Jong Un's armoured train appears to have left Pyongyang for Russia.",
        chain=[("sk-official", "speaker", "anonymous"), ("yonhap", "via", "on_record")],
        changes=[
            ("reported", "Yonhap, citing an unnamed official.", None),
        ],
        claim="train",
    ),
    dict(
        story="us-arms-talks-en",
        exact="the negotiations were actively advancing",
        statement="Arms negotiations between Russia and North Korea are actively advancing.",
        chain=[("nsc", "speaker", "on_record")],
        changes=[("reported", "Stated on the record by the NSC spokesperson.", None)],
    ),
    dict(
        story="us-arms-talks-en",
        exact="Kim is expected to meet Putin in Vladivostok this month",
        chain=[("us-officials", "speaker", "anonymous")],
        changes=[
            ("reported", "US officials speaking anonymously.", None),
            ("disputed", "The leaders met at the Vostochny Cosmodrome instead.", ("article", "summit-en")),
        ],
    ),
    dict(
        story="us-arms-talks-ko",
        exact="북한이 러시아에 포탄을 공급하고 있다",
        statement="North Korea is supplying artillery shells to Russia.",
        chain=[("us-officials", "speaker", "anonymous")],
        changes=[
            ("reported", "Anonymous US officials.", None),
            ("denied", "The Kremlin spokesman rejected the reports.", ("article", "summit-ru")),
        ],
    ),
    dict(
        story="summit-en",
        exact="The talks lasted about four hours",
        chain=[],
        changes=[],
    ),
    dict(
        story="summit-en",
        exact="Russia would help North Korea build satellites",
        chain=[("putin", "speaker", "on_record")],
        changes=[("reported", "Putin said so to Russian state television.", None)],
    ),
    dict(
        story="summit-ru",
        exact="никаких соглашений подписано не было",
        statement="No agreements were signed at the summit.",
        chain=[("peskov", "speaker", "on_record")],
        changes=[("confirmed", "Stated on the record by the Kremlin spokesman.", ("quote", 0))],
    ),
    dict(
        story="kim-flies-id",
        exact="Kim Jong Un dikabarkan terbang ke Vladivostok",
        statement="Kim Jong Un flew to Vladivostok.",
        chain=[("kabar", "speaker", "on_record")],
        changes=[
            ("reported", "Kabar Timur's own report.", None),
            ("retracted", "Kabar Timur withdrew the report: Kim travelled by train.", ("article", "summit-id")),
        ],
    ),
]

# (from story, relation, to story)
LINKS = [
    ("us-arms-talks-id", "translation_of", "us-arms-talks-en"),
    ("us-arms-talks-ko", "same_event", "us-arms-talks-en"),
    ("visit-confirmed-en", "follow_up", "us-arms-talks-en"),
    ("train-departs-id", "same_event", "visit-confirmed-en"),
    ("train-departs-ko", "same_event", "train-departs-id"),
    ("visit-confirmed-ru", "same_event", "visit-confirmed-en"),
    ("train-departs-id", "earlier_coverage", "us-arms-talks-id"),
    ("summit-en", "follow_up", "visit-confirmed-en"),
    ("summit-id", "same_event", "summit-en"),
    ("summit-ru", "same_event", "summit-en"),
    ("summit-ko", "same_event", "summit-ru"),
    ("summit-en", "contradicts", "us-arms-talks-en"),
    ("kim-flies-id", "contradicts", "train-departs-id"),
    ("summit-ko", "cites", "visit-confirmed-ru"),
    ("what-each-side-wants-en", "follow_up", "us-arms-talks-en"),
]

# A correction made after publication, as `make run` shows it (articles.demo_newsroom.correct_demo):
# the summit's length was misreported. The claim on those words waits in the review queue.
CORRECTIONS = [
    {
        "story": "summit-en",
        "replace": ("The talks lasted about four hours", "The talks lasted about five hours"),
        "public_note": "An earlier version of this story said the talks lasted about four hours; they lasted about five.",
        "note": "Length of the talks corrected after the Kremlin's readout.",
    },
]
