"""Cut the small test slices in tests/data/<folder>/ from the full files in ../shared/data.

Run from the repository root: python tests/data/make_slices.py [DATA_ROOT]
Rows are copied unchanged (TSV lines byte for byte; CSV rows re-quoted minimally).
"""

from __future__ import annotations

import csv
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

csv.field_size_limit(1 << 30)
HERE = Path(__file__).parent
ONET = {"11-3051.00", "11-3051.01", "11-1021.00"}
IPM = "http://data.europa.eu/esco/occupation/eb9479c6-5fdf-4f45-ace4-28b547b8c7e5"
MM = "http://data.europa.eu/esco/occupation/6426ada1-4d8c-4612-99e3-91bc569805ee"
FPM = "http://data.europa.eu/esco/occupation/a7d6a377-3d3b-41cf-9301-f4a0a7ad3d96"
SKILLS = {
    "http://data.europa.eu/esco/skill/82fea746-853f-4f1b-8ab7-55de8619cccd",
    "http://data.europa.eu/esco/skill/4c2c72df-3f3f-48e7-9993-a602354a75e4",
    "http://data.europa.eu/esco/skill/2a778aeb-f246-4f03-9a96-c60183001037",
    "http://data.europa.eu/esco/skill/41ec47dd-08b3-464a-9c45-c706f3e74467",
}
GROUPS = {"http://data.europa.eu/esco/skill/869fc2ce-478f-4420-8766-e1f02cec4fb2"}
# S6.8 "positioning materials, tools or equipment": a group only skillsHierarchy_en.csv describes
HIERARCHY_ONLY = "http://data.europa.eu/esco/skill/1e924921-b7ff-4326-a698-c8275bbcf60d"
# An example O*NET files under two UNSPSC commodities: 11-3051.02 has "Personnel scheduling
# software" as 43232108, 11-1021.00 as 43231505.
TECH_ONLY = "11-3051.02"
# A BLS aggregate of SOC 2018 detailed occupations (21-1011 and 21-1014), not a SOC code.
AGGREGATE = "21-1018"


def tsv(src: Path, dst: Path, keep: Callable[[list[str]], bool]) -> None:
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    out = [lines[0]] + [ln for ln in lines[1:] if keep(ln.rstrip("\n").split("\t"))]
    dst.write_text("".join(out), encoding="utf-8")


def csv_rows(src: Path, dst: Path, keep: Callable[[dict[str, str]], bool]) -> None:
    with src.open(newline="", encoding="utf-8") as fin, dst.open("w", newline="",
                                                                   encoding="utf-8") as fout:
        reader = csv.reader(fin)
        header = next(reader)
        writer = csv.writer(fout, lineterminator="\n")
        writer.writerow(header)
        for row in reader:
            if keep(dict(zip(header, row, strict=False))):
                writer.writerow(row)


# --- ESCO collections, OEWS footnotes (engineer E, issue 13)
COLLECTION_FILES = (
    "greenSkillsCollection_en.csv", "digitalSkillsCollection_en.csv",
    "digCompSkillsCollection_en.csv", "transversalSkillsCollection_en.csv",
    "researchSkillsCollection_en.csv", "researchOccupationsCollection_en.csv",
    "languageSkillsCollection_en.csv",
)
# "biomedical engineer", the first row of researchOccupationsCollection_en.csv
RESEARCH_OCCUPATIONS = {
    "http://data.europa.eu/esco/occupation/01ffb917-98dc-48c1-91ad-93c4104e791d"}
# OEWS rows with a footnote code: 29-1022 wages "#" (top-coded) from the median up, 25-2021
# only annual wages (ANNUAL TRUE, hourly "*"), 27-2011 only hourly wages (HOURLY TRUE).
OEWS_FOOTNOTED = ("29-1022", "25-2021", "27-2011")


def collection_members(src: Path, sliced: set[str]) -> set[str]:
    """The concepts of every collection file that the slice keeps: those already sliced, or
    the file's first row where none is."""
    members: set[str] = set()
    for name in COLLECTION_FILES:
        with (src / name).open(newline="", encoding="utf-8") as handle:
            rows = [r["conceptUri"] for r in csv.DictReader(handle)]
        members |= {u for u in rows if u in sliced} or {rows[0]}
    return members
# --- end ESCO collections, OEWS footnotes


def deepest_group(row: dict[str, str]) -> str:
    """The group a skillsHierarchy_en.csv row describes: its deepest filled level."""
    return [row.get(f"Level {n} URI", "") for n in range(4) if row.get(f"Level {n} URI")][-1]


def main(root: Path) -> None:
    def folder(name: str) -> tuple[Path, Path]:
        (HERE / name).mkdir(exist_ok=True)
        return root / name, HERE / name

    src, dst = folder("soc_2018_structure")
    tsv(src / "SOC_Structure.tsv", dst / "SOC_Structure.tsv",
        lambda r: any(c in ("11-0000", "11-3000", "11-3050", "11-3051", "11-3051.01",
                            "51-0000", "51-1000", "51-1010", "51-1011") for c in r[:5]))
    src, dst = folder("naics_2022")
    codes = {"31-33", "311", "3111", "31111", "311111", "325", "332", "333", "334", "336"}
    tsv(src / "2-6_digit_2022_Codes.tsv", dst / "2-6_digit_2022_Codes.tsv",
        lambda r: r[1] in codes)
    src, dst = folder("onet_soc_2019_taxonomy")
    for name in ("2019_Occupations.tsv", "2019_to_SOC_Crosswalk.tsv", "2010_to_2019_Crosswalk.tsv",
                 "2010_to_2018_SOC_Crosswalk.tsv"):
        tsv(src / name, dst / name, lambda r: r[0].startswith("11-3051"))
    src, dst = folder("crosswalk_isco08_soc2010_bls")
    for name in ("soc2010_to_isco08.tsv", "isco08_to_soc2010.tsv"):
        tsv(src / name, dst / name,
            lambda r: r[0].strip() in ("11-3051", "1321", "11-1011", "1112")
            or r[3].strip() in ("11-3051", "1321", "11-1011", "1112"))
    src, dst = folder("onet_db_29_3")
    for name in ("Content Model Reference.tsv", "Scales Reference.tsv", "Job Zone Reference.tsv",
                 "Education, Training, and Experience Categories.tsv"):
        shutil.copy(src / name, dst / name)
    for name in ("Alternate Titles.tsv", "Task Statements.tsv", "Skills.tsv", "Knowledge.tsv",
                 "Education, Training, and Experience.tsv", "Job Zones.tsv"):
        tsv(src / name, dst / name, lambda r: r[0] in ONET)
    for name in ("Occupation Data.tsv", "Technology Skills.tsv"):
        tsv(src / name, dst / name, lambda r: r[0] in ONET | {TECH_ONLY})
    tsv(src / "Related Occupations.tsv", dst / "Related Occupations.tsv",
        lambda r: r[0] in ONET and r[2] in ONET)
    # --- O*NET coverage (issue 13, engineer I) ---
    for name in ("Work Context Categories.tsv", "Task Categories.tsv", "Level Scale Anchors.tsv",
                 "Survey Booklet Locations.tsv", "Skills to Work Activities.tsv",
                 "Skills to Work Context.tsv", "Abilities to Work Activities.tsv",
                 "Abilities to Work Context.tsv", "Basic Interests to RIASEC.tsv",
                 "RIASEC Keywords.tsv", "Interests Illustrative Activities.tsv"):
        shutil.copy(src / name, dst / name)  # small reference tables, whole
    for name in ("Sample of Reported Titles.tsv", "Work Styles.tsv", "Work Values.tsv",
                 "Interests.tsv", "Tools Used.tsv", "Emerging Tasks.tsv",
                 "Occupation Level Metadata.tsv"):
        tsv(src / name, dst / name, lambda r: r[0] in ONET | {TECH_ONLY})
    # Only illustrative occupations the slice has (11-1021.00 for Management/Administration).
    tsv(src / "Interests Illustrative Occupations.tsv",
        dst / "Interests Illustrative Occupations.tsv", lambda r: r[3] in ONET | {TECH_ONLY})
    used: set[str] = set()  # the UNSPSC commodities the sliced technologies and tools cite
    for name in ("Technology Skills.tsv", "Tools Used.tsv"):
        used |= {ln.split("\t")[3] for ln in (dst / name).read_text(encoding="utf-8")
                 .splitlines()[1:]}
    tsv(src / "UNSPSC Reference.tsv", dst / "UNSPSC Reference.tsv", lambda r: r[0] in used)
    # --- end O*NET coverage ---
    # --- career transitions (engineer T): Tasks to DWAs of the sliced occupations, and the DWA
    # and IWA rows those links name.
    tsv(src / "Tasks to DWAs.tsv", dst / "Tasks to DWAs.tsv", lambda r: r[0] in ONET)
    linked = {ln.split("\t")[4] for ln in (dst / "Tasks to DWAs.tsv").read_text(
        encoding="utf-8").splitlines()[1:]}
    tsv(src / "DWA Reference.tsv", dst / "DWA Reference.tsv", lambda r: r[4] in linked)
    tsv(src / "IWA Reference.tsv", dst / "IWA Reference.tsv",
        lambda r: r[2] in {d.rsplit(".", 1)[0] for d in linked})
    # --- end career transitions
    src, dst = folder("esco_v1_1_1_en")
    csv_rows(src / "ISCOGroups_en.csv", dst / "ISCOGroups_en.csv",
             lambda r: r["code"] in ("1", "13", "132", "1321"))
    csv_rows(src / "conceptSchemes_en.csv", dst / "conceptSchemes_en.csv",
             lambda r: r["conceptSchemeUri"].endswith("/isco"))
    csv_rows(src / "occupations_en.csv", dst / "occupations_en.csv",
             lambda r: r["conceptUri"] in {IPM, MM, FPM} | RESEARCH_OCCUPATIONS)
    related: set[str] = set()  # the skills of IPM and FPM, for their labels (queries/xt-*.rq)
    with (src / "occupationSkillRelations.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["occupationUri"] in (IPM, FPM):
                related.add(r["skillUri"])
    # --- ESCO collections and skills hierarchy (engineer E, issue 13): each collection's rows
    # of the sliced concepts, or its first row where it has none (that concept joins the
    # slice); the broader relations of every member and of the hierarchy's groups.
    members = collection_members(src, SKILLS | related | {IPM, MM, FPM})
    csv_rows(src / "skills_en.csv", dst / "skills_en.csv",
             lambda r: r["conceptUri"] in SKILLS | related | members)
    csv_rows(src / "skillGroups_en.csv", dst / "skillGroups_en.csv",
             lambda r: r["conceptUri"] in GROUPS)
    csv_rows(src / "skillsHierarchy_en.csv", dst / "skillsHierarchy_en.csv",
             lambda r: deepest_group(r) in GROUPS | {HIERARCHY_ONLY})
    csv_rows(src / "broaderRelationsOccPillar.csv", dst / "broaderRelationsOccPillar.csv",
             lambda r: r["conceptUri"] in {IPM, MM} | RESEARCH_OCCUPATIONS)
    csv_rows(src / "broaderRelationsSkillPillar.csv", dst / "broaderRelationsSkillPillar.csv",
             lambda r: r["conceptUri"] in SKILLS | members | GROUPS | {HIERARCHY_ONLY})
    for name in COLLECTION_FILES:
        csv_rows(src / name, dst / name, lambda r: r["conceptUri"] in members)
    # --- end ESCO collections
    csv_rows(src / "occupationSkillRelations.csv", dst / "occupationSkillRelations.csv",
             lambda r: r["occupationUri"] in (IPM, FPM))
    csv_rows(src / "skillSkillRelations.csv", dst / "skillSkillRelations.csv",
             lambda r: r["originalSkillUri"] in SKILLS)
    src, dst = folder("crosswalk_esco_onet_nesta_2020")
    csv_rows(src / "esco_onet_crosswalk_Nov2020.csv", dst / "esco_onet_crosswalk_Nov2020.csv",
             lambda r: r["isco_code"] == "1321")
    src, dst = folder("bls_oews_may2024_national")
    tsv(src / "national_M2024_dl.tsv", dst / "national_M2024_dl.tsv",
        lambda r: r[8] in ("00-0000", "11-0000", "11-3051", "11-3031", AGGREGATE)
        + OEWS_FOOTNOTED)
    src, dst = folder("bls_employment_projections_2024_34")
    for name in ("table_1.2_occupational_projections_2024-34.tsv",
                 "table_1.10_separations_and_openings_2024-34.tsv"):
        tsv(src / name, dst / name,
            lambda r: r[1] in ("00-0000", "11-0000", "11-3051", AGGREGATE))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data"))
