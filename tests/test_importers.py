"""`tutor import` and `tutor export-deck --anki`, end to end on fixtures built here.

Each fixture is made the way the real tool makes it: Anki packages with genanki (and
the newer zstd layout by compressing a genanki collection like Anki 2.1.50+ does),
Quizlet's export text with its separators, spreadsheet CSV with a BOM or in
Windows-1252. Every import is then checked with `tutor check` and asked a paraphrase.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import genanki
import pytest
import yaml
import zstandard

from tutor import cli
from tutor.config import SETTINGS
from tutor.content import load_library
from tutor.content.fields import TITLE_LIMIT
from tutor.importers.deck import shorten, slugify
from tutor.importers.htmltext import cloze_plain, cloze_questions, html_to_text

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "content"

BASIC = genanki.Model(
    1_607_392_319,
    "Basic (test)",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}],
)
CELLS = [
    ("Mitochondria", "The <b>powerhouse</b> of the cell, where respiration releases energy"),
    ("Ribosome", "Where proteins are made from amino acids"),
    ("Nucleus", "Holds the genetic material (DNA) and controls the cell"),
]
PLANTS = [
    ("Photosynthesis", "Plants turn light, carbon dioxide and water into glucose and oxygen"),
    ("Stomata", "Pores in the leaf that let gases in and out<br><img src='leaf.png'>"),
    ("Xylem", "Tubes carrying water and minerals up from the roots [sound:xylem.mp3]"),
]
CLOZE_TEXT = "{{c1::Chlorophyll}} is the green pigment that absorbs {{c2::light::colour?}}"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()


def tutor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--content", "content", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def ask(capsys: pytest.CaptureFixture[str], question: str) -> dict[str, object] | None:
    code, out, _ = tutor(capsys, "ask", "--json", question)
    assert code == 0
    card = json.loads(out)["card"]
    assert card is None or isinstance(card, dict)
    return card


def assert_checks(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = tutor(capsys, "check")
    assert (code, err) == (0, ""), err
    return out


def genanki_deck() -> genanki.Deck:
    deck = genanki.Deck(2_059_400_110, "Biology::Cells and plants")
    for front, back in CELLS:
        deck.add_note(genanki.Note(model=BASIC, fields=[front, back], tags=["Biology::Cells"]))
    for front, back in PLANTS:
        deck.add_note(genanki.Note(model=BASIC, fields=[front, back], tags=["Plants", "marked"]))
    deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=[CLOZE_TEXT, ""], tags=["Plants"]))
    return deck


def write_apkg(path: Path, media: list[Path] | None = None) -> Path:
    package = genanki.Package(genanki_deck())
    package.media_files = [str(file) for file in media or []]
    package.write_to_file(str(path))
    return path


def write_anki21b(path: Path, tmp_path: Path) -> Path:
    """A package laid out like Anki 2.1.50+'s: zstd collection, meta, dummy legacy file."""
    legacy = write_apkg(tmp_path / "legacy.apkg")
    with zipfile.ZipFile(legacy) as archive:
        collection = archive.read("collection.anki2")
    dummy = genanki.Deck(1, "Default")
    dummy.add_note(genanki.Note(model=BASIC, fields=["Please update to the latest Anki", "x"]))
    genanki.Package(dummy).write_to_file(str(tmp_path / "dummy.apkg"))
    with zipfile.ZipFile(tmp_path / "dummy.apkg") as archive:
        dummy_collection = archive.read("collection.anki2")
    compress = zstandard.ZstdCompressor().compress
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("collection.anki2", dummy_collection)
        archive.writestr("collection.anki21b", compress(collection))
        archive.writestr("media", compress(b""))  # an empty MediaEntries protobuf
        archive.writestr("meta", bytes([0x08, 0x03]))  # PackageMetadata{version: LATEST}
        archive.writestr("0", b"\x89PNG fake image bytes")
    return path


# --- Anki -------------------------------------------------------------------------------


def assert_biology_deck(deck_file: Path) -> None:
    data = yaml.safe_load(deck_file.read_text(encoding="utf-8"))
    titles = {card["title"]: card for card in data["cards"]}
    assert set(titles) >= {front for front, _ in CELLS + PLANTS}
    assert titles["Mitochondria"]["body"].startswith("The powerhouse of the cell")
    assert "<" not in titles["Stomata"]["body"] and "sound:" not in titles["Xylem"]["body"]
    topics = {topic["id"]: topic["title"] for topic in data["topics"]}
    assert topics[titles["Mitochondria"]["topic"]] == "Biology – Cells"
    assert topics[titles["Stomata"]["topic"]] == "Plants"  # "marked" is not a topic
    cloze = next(card for card in data["cards"] if card["title"].startswith("Chlorophyll"))
    assert cloze["title"] == "Chlorophyll is the green pigment that absorbs light"
    cloze_typed = [
        q for q in data["questions"] if q["card"] == cloze["id"] and q["kind"] == "typed"
    ]
    assert [q["answers"] for q in cloze_typed] == [["Chlorophyll"], ["light"]]
    assert "_____ (colour?)" in cloze_typed[1]["prompt"]


@pytest.mark.parametrize("suffix", [".apkg", ".colpkg"])
def test_genanki_package_imports_checks_and_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    image = tmp_path / "leaf.png"
    image.write_bytes(b"\x89PNG not really")
    package = write_apkg(tmp_path / f"biology{suffix}", media=[image])
    code, out, err = tutor(capsys, "import", str(package), "--subject", "Biology")
    assert (code, err) == (0, "")
    assert "Anki package, Anki 2.0 collection collection.anki2" in out
    assert out.count("media") == 1 and "skipped 1 media file(s)" in out
    assert_biology_deck(tmp_path / "content" / "biology.yaml")
    assert "7 cards" in assert_checks(capsys)
    found = ask(capsys, "what releases energy in the cell")
    assert found is not None and found["title"] == "Mitochondria"


def test_anki21b_zstd_package_reads_the_new_collection_not_the_dummy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    package = write_anki21b(tmp_path / "biology.apkg", tmp_path)
    code, out, err = tutor(capsys, "import", str(package))
    assert (code, err) == (0, "")
    assert "collection.anki21b" in out and "skipped 1 media file(s)" in out
    deck_file = tmp_path / "content" / "biology.yaml"
    assert_biology_deck(deck_file)
    assert "Please update" not in deck_file.read_text(encoding="utf-8")
    # The title comes from the Anki deck name's last part.
    assert yaml.safe_load(deck_file.read_text())["deck"]["title"] == "Cells and plants"
    assert_checks(capsys)
    found = ask(capsys, "where are amino acids built into proteins")
    assert found is not None and found["title"] == "Ribosome"


def test_schema_18_tables_are_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Anki 2.1.28+ collections keep note types and decks in tables, not in `col`."""
    legacy = write_apkg(tmp_path / "legacy.apkg")
    with zipfile.ZipFile(legacy) as archive:
        (tmp_path / "c.db").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.db") as db:
        models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
        db.execute("CREATE TABLE notetypes (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("CREATE TABLE fields (ntid INTEGER, ord INTEGER, name TEXT)")
        db.execute("CREATE TABLE decks (id INTEGER PRIMARY KEY, name TEXT)")
        for key, model in models.items():
            db.execute("INSERT INTO notetypes VALUES (?, ?)", (int(key), model["name"]))
            for field in model["flds"]:
                db.execute(
                    "INSERT INTO fields VALUES (?, ?, ?)", (int(key), field["ord"], field["name"])
                )
        db.execute("INSERT INTO decks VALUES (2059400110, 'Biology\x1fSchema 18')")
        db.execute("UPDATE col SET models = '{}', decks = '{}'")
    db.close()
    with zipfile.ZipFile(tmp_path / "new.apkg", "w") as archive:
        archive.write(tmp_path / "c.db", "collection.anki21")
    code, _, err = tutor(capsys, "import", str(tmp_path / "new.apkg"), "--out", "content/s18.yaml")
    assert (code, err) == (0, ""), err
    assert_biology_deck(tmp_path / "content" / "s18.yaml")
    assert (
        yaml.safe_load((tmp_path / "content" / "s18.yaml").read_text())["deck"]["title"]
        == "Schema 18"
    )


# --- Quizlet and spreadsheets -----------------------------------------------------------


def test_quizlet_export_with_custom_separators(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cards = [
        ("NEP", "New Economic Policy: Lenin's 1921 retreat allowing small private trade"),
        ("Kulak", "A richer peasant, blamed by Stalin for hoarding grain"),
        ("Gosplan", "The state planning agency that drew up the Five Year Plans"),
        ("Politburo", "The small committee at the top of the Communist Party"),
    ]
    export = tmp_path / "quizlet.txt"
    export.write_text(";;".join(f"{term} - {definition}" for term, definition in cards) + ";;")
    code, out, err = tutor(
        capsys,
        "import",
        str(export),
        "--term-sep",
        " - ",
        "--card-sep",
        ";;",
        "--title",
        "USSR terms",
        "--out",
        "content/ussr-terms.yaml",
    )
    assert (code, err) == (0, ""), err
    assert "Quizlet export, UTF-8, term separator ' - ', card separator ';;'" in out
    data = yaml.safe_load((tmp_path / "content" / "ussr-terms.yaml").read_text())
    assert [card["id"] for card in data["cards"]] == [
        "ussr-terms-nep",
        "ussr-terms-kulak",
        "ussr-terms-gosplan",
        "ussr-terms-politburo",
    ]
    assert data["deck"]["title"] == "USSR terms"
    assert_checks(capsys)
    found = ask(capsys, "which body planned the five year plans")
    assert found is not None and found["title"] == "Gosplan"


def test_quizlet_default_export_keeps_quotes_and_commas(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    export = tmp_path / "terms.txt"
    export.write_text(
        'Trotsky\t"Permanent revolution", the Red Army, exiled 1929\n'
        "Bukharin\tLeader of the Right, defended the NEP\n"
        "Zinoviev\tLeft opposition, head of the Comintern\n"
    )
    code, out, err = tutor(capsys, "import", str(export))
    assert (code, err) == (0, "")
    assert "term separator tab, card separator new line" in out
    data = yaml.safe_load((tmp_path / "content" / "terms.yaml").read_text())
    assert data["cards"][0]["body"] == '"Permanent revolution", the Red Army, exiled 1929'


def test_csv_with_bom_semicolons_header_and_topics(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = (
        ["Topic;Term;Definition"]
        + [
            f"{topic};{term};{definition}"
            for topic, items in (("Cells", CELLS[1:]), ("Plants", PLANTS[:1]))
            for term, definition in items
        ]
        + ["Plants;Osmose;Le déplacement de l’eau à travers une membrane"]
    )
    path = tmp_path / "Bio Terms.csv"
    path.write_bytes("\ufeff".encode() + "\r\n".join(rows).encode("utf-8"))
    code, out, err = tutor(capsys, "import", str(path))
    assert (code, err) == (0, "")
    assert "CSV, UTF-8 with BOM, semicolon-separated, a header row, topic column" in out
    data = yaml.safe_load((tmp_path / "content" / "bio-terms.yaml").read_text(encoding="utf-8"))
    assert data["cards"][0]["title"] == "Ribosome"  # no BOM glued to the first header
    assert data["cards"][-1]["body"] == "Le déplacement de l’eau à travers une membrane"
    assert {topic["title"] for topic in data["topics"]} == {"Cells", "Plants"}
    assert_checks(capsys)


def test_windows_1252_csv_keeps_accents(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (
        "Café society,Parisian élite of the 1920s – artists and writers\n"
        "Führer,Title Hitler took in 1934\n"
        "Coup d’état,A sudden seizure of power\n"
    )
    path = tmp_path / "words.csv"
    path.write_bytes(text.encode("cp1252"))
    code, out, err = tutor(capsys, "import", str(path))
    assert (code, err) == (0, "")
    assert "CSV, Windows-1252, comma-separated, no header row" in out
    data = yaml.safe_load((tmp_path / "content" / "words.yaml").read_text(encoding="utf-8"))
    assert [card["id"] for card in data["cards"]] == [
        "words-cafe-society",
        "words-fuhrer",
        "words-coup-detat",
    ]
    assert data["cards"][0]["body"] == "Parisian élite of the 1920s – artists and writers"
    assert_checks(capsys)
    found = ask(capsys, "what title did hitler take")
    assert found is not None and found["title"] == "Führer"


def test_each_card_gets_a_choice_and_a_typed_question(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bio.tsv"
    path.write_text(
        "".join(
            f"{t}\t{d}\t{topic}\n"
            for topic, items in (("Cells", CELLS), ("Plants", PLANTS))
            for t, d in items
        )
    )
    assert tutor(capsys, "import", str(path))[0] == 0
    library = load_library([tmp_path / "content"])
    for card in library.cards.values():
        questions = library.questions_for_card(card.id)
        assert sorted(q.kind.value for q in questions) == ["choice", "typed"]
        choice = next(q for q in questions if q.kind.value == "choice")
        # The answer, both other definitions of the topic, one from the rest of the deck.
        assert len(choice.options) == 4
        assert card.body.startswith(choice.answer.rstrip("…"))
        same_topic = [c.body for c in library.cards_in_topic(card.topic_id) if c != card]
        assert all(any(b.startswith(o.rstrip("…")) for o in choice.options) for b in same_topic)
        typed = next(q for q in questions if q.kind.value == "typed")
        assert typed.accepted[0] == card.title


def test_long_text_is_shortened_and_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long_term = "The " + "very " * 40 + "long term"
    long_definition = "A definition " + "that goes on " * 20 + "forever"
    path = tmp_path / "long.csv"
    path.write_text(f'"{long_term}",short\n"other",{long_definition}\nthird,"three, too"\n')
    code, out, err = tutor(capsys, "import", str(path))
    assert (code, err) == (0, "")
    assert "shortened with '…'" in out and f"line 1: title ({len(long_term)} → 120" in out
    assert "line 2: quiz option" in out
    data = yaml.safe_load((tmp_path / "content" / "long.yaml").read_text())
    title = data["cards"][0]["title"]
    assert len(title) <= TITLE_LIMIT and title.endswith("…")
    assert data["cards"][1]["body"] == long_definition  # bodies have room
    assert_checks(capsys)


def test_reimport_gives_the_same_ids_and_needs_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "w.csv"
    path.write_text("a,first\nb,second\nc,third\n")
    assert tutor(capsys, "import", str(path))[0] == 0
    before = (tmp_path / "content" / "w.yaml").read_text()
    code, _, err = tutor(capsys, "import", str(path))
    assert code == 1 and "already exists; use --force" in err
    assert tutor(capsys, "import", str(path), "--force")[0] == 0
    assert (tmp_path / "content" / "w.yaml").read_text() == before


# --- Bad input: a clear message, nothing written ---------------------------------------


def make_not_anki_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("blank.txt", b"\n  \n", "blank.txt: the file is empty"),
        ("binary.csv", bytes(range(256)) * 4, "binary.csv: this is a binary file, not text"),
        ("nodef.csv", b"a,one\nb,two\nc,\n", "nodef.csv:3: 'c' has no definition"),
        ("noterm.csv", b"a,one\n,two\n", "noterm.csv:2: the definition 'two' has no term"),
        ("nosep.txt", b"a\tone\nb two\n", "nosep.txt:2: no term separator (tab)"),
        ("deck.apkg", b"not a zip at all", "deck.apkg: not an Anki package (not a zip file)"),
        ("bad.csv", b"\x81\x8d\x8f\x90\x9d,x\n", "bad.csv:1: byte 0x81 is neither UTF-8"),
    ],
)
def test_bad_input_is_reported_and_nothing_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = tutor(capsys, "import", str(path))
    assert code == 1 and out == ""
    assert message in err and "Nothing was written" in err
    assert list((tmp_path / "content").iterdir()) == []


def test_zip_that_is_not_anki(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    make_not_anki_zip(tmp_path / "notes.zip")
    code, _, err = tutor(capsys, "import", str(tmp_path / "notes.zip"))
    assert code == 1 and "a zip file but not an Anki package" in err
    assert list((tmp_path / "content").iterdir()) == []


def test_every_bad_row_is_listed_at_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "rows.csv").write_text("a,one\nb,\n\nc,three\n,four\n")
    code, _, err = tutor(capsys, "import", "rows.csv")
    assert code == 1
    assert "rows.csv:2: 'b' has no definition" in err
    assert "rows.csv:5: the definition 'four' has no term" in err
    assert "2 problem(s)" in err


def test_duplicate_terms_are_merged_and_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "dup.csv").write_text(
        "NEP,Lenin's 1921 policy\nnep ,Allowed small private trade\n"
        "Kulak,Rich peasant\nNEP,Lenin's 1921 policy\n"
    )
    code, out, err = tutor(capsys, "import", "dup.csv")
    assert (code, err) == (0, "")
    assert "line 2: duplicate term 'nep' (first at line 1): definitions merged" in out
    assert "line 4: duplicate term 'NEP' (first at line 1): kept the first" in out
    data = yaml.safe_load((tmp_path / "content" / "dup.yaml").read_text())
    assert [card["body"] for card in data["cards"]] == [
        "Lenin's 1921 policy\nAllowed small private trade",
        "Rich peasant",
    ]


def test_a_deck_id_clash_with_another_deck_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.csv").write_text("x,one\ny,two\n")
    assert tutor(capsys, "import", "a.csv")[0] == 0
    other = tmp_path / "content" / "b.yaml"
    other.write_text((tmp_path / "content" / "a.yaml").read_text())  # same ids, other file
    (tmp_path / "a2.csv").write_text("x,one\ny,two\n")
    code, _, err = tutor(capsys, "import", "a2.csv", "--out", "content/a.yaml", "--force")
    assert code == 1 and "duplicate deck id 'a'" in err
    assert sorted(path.name for path in (tmp_path / "content").iterdir()) == ["a.yaml", "b.yaml"]


# --- Export to Anki and back ------------------------------------------------------------


def test_export_bundled_deck_to_anki_and_import_it_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bundled = load_library([BUNDLED])
    code = cli.main(["--content", str(BUNDLED), "export-deck", "--anki", "stalin.apkg"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert f"{len(bundled.cards)} notes" in out
    with zipfile.ZipFile(tmp_path / "stalin.apkg") as archive:
        assert "collection.anki2" in archive.namelist()
    code, out, err = tutor(capsys, "import", "stalin.apkg", "--out", "content/stalin-anki.yaml")
    assert (code, err) == (0, ""), err
    library = load_library([tmp_path / "content"])
    assert len(library.cards) == len(bundled.cards)
    assert {t.title for t in library.topics.values()} == {t.title for t in bundled.topics.values()}
    found = ask(capsys, "why did trotsky miss lenins funeral")
    assert found is not None and "funeral" in str(found["title"]).lower()


def test_export_deck_needs_a_known_deck(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        ["--content", str(BUNDLED), "export-deck", "--deck", "nope", "--anki", "x.apkg"]
    )
    _, err = capsys.readouterr()
    assert code == 2 and "no deck 'nope'; the decks are: stalin-rise" in err


# --- Pieces -----------------------------------------------------------------------------


def test_html_to_text_and_media_count() -> None:
    text, media = html_to_text(
        "<div>A&nbsp;&amp;B</div><ul><li>one</li><li>two</li></ul>"
        "<img src=x>[sound:y.mp3]<script>z</script>"
    )
    assert text == "A &B\n• one\n• two"
    assert media == 2


def test_cloze_reading() -> None:
    assert cloze_plain(CLOZE_TEXT) == "Chlorophyll is the green pigment that absorbs light"
    first, second = cloze_questions(CLOZE_TEXT)
    assert first.prompt == "_____ is the green pigment that absorbs light"
    assert (second.prompt, second.answer) == (
        "Chlorophyll is the green pigment that absorbs _____ (colour?)",
        "light",
    )


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Lenin’s Testament (1922)", "lenins-testament-1922"),
        ("Café au lait", "cafe-au-lait"),
        ("日本", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 12) == "short"
    assert len(shorten("x" * 500, 100)) == 100


def test_importers_do_not_import_telegram() -> None:
    code = (
        "import sys, tutor.importers, tutor.importers.anki_export; print('telegram' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_excel_unicode_text_is_utf16_tab_separated_with_a_header(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = ["Term\tDefinition\tChapter", "Kulak\tA richer peasant\tPeasants"]
    rows += ["Mir\tThe village commune\tPeasants", "Smychka\tThe worker–peasant alliance\tNEP"]
    (tmp_path / "Unicode text.txt").write_bytes("\r\n".join(rows).encode("utf-16"))
    code, out, err = tutor(capsys, "import", "Unicode text.txt", "--out", "content/peasants.yaml")
    assert (code, err) == (0, ""), err
    assert "CSV, UTF-16 (little-endian), tab-separated, a header row, topic column" in out
    data = yaml.safe_load((tmp_path / "content" / "peasants.yaml").read_text(encoding="utf-8"))
    assert [card["title"] for card in data["cards"]] == ["Kulak", "Mir", "Smychka"]
    assert data["cards"][2]["body"] == "The worker–peasant alliance"
    assert_checks(capsys)


def test_a_damaged_anki_collection_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with zipfile.ZipFile(tmp_path / "broken.apkg", "w") as archive:
        archive.writestr("collection.anki2", b"SQLite format 3\x00" + b"\x07" * 500)
    code, _, err = tutor(capsys, "import", "broken.apkg")
    assert code == 1 and "collection.anki2 is not a readable Anki collection" in err
    with zipfile.ZipFile(tmp_path / "broken21b.apkg", "w") as archive:
        archive.writestr("collection.anki21b", b"not zstd at all")
    code, _, err = tutor(capsys, "import", "broken21b.apkg")
    assert code == 1 and "collection.anki21b is damaged" in err
    assert list((tmp_path / "content").iterdir()) == []


def test_a_package_from_a_newer_anki_says_how_to_export_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with zipfile.ZipFile(tmp_path / "future.apkg", "w") as archive:
        archive.writestr("collection.anki2", b"dummy")
        archive.writestr("meta", bytes([0x08, 0x04]))
    code, _, err = tutor(capsys, "import", "future.apkg")
    assert code == 1 and "newer Anki" in err and "Support older Anki versions" in err
