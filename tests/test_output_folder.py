"""`kg build --out`: only kg's own folders are replaced, one build at a time, never half-way.

Disk full and read-only targets use a real tmpfs mounted by the test (a small size, or `ro`):
chmod cannot stop root, and a mount shows what the kernel really answers. Where mounting is not
permitted (not root, no CAP_SYS_ADMIN) those tests skip; the unit test
`test_disk_full_inside_the_staging_folder_is_one_line` injects ENOSPC instead and always runs.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg.build import output_folder
from kg.build.output_folder import (
    LEGACY_AGE_SECONDS,
    MARKER,
    SPACE_FLOOR,
    OutputFolderError,
    output_lock,
    replaceable,
    staging_folder,
)
from kg.build.pipeline import BuildOptions, build
from kg.cli import main
from tests.conftest import snapshot


def _build_cli(out: Path, *extra: str) -> int:
    return main(["build", "--out", str(out), "--no-ontology-docs", *extra])



@contextmanager
def _mount_tmpfs(where: Path, options: str) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        # Lazy: a file left open (a failing test's traceback holding a store) must not hide
        # the test's own failure behind "target is busy".
        subprocess.run(["umount", "--lazy", str(where)], check=True)


@pytest.fixture()
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    with _mount_tmpfs(tmp_path / "ro", "size=1m,ro") as where:
        yield where


# --- what may be replaced --------------------------------------------------------------------


def test_an_unrelated_folder_is_refused_untouched(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious\n", encoding="utf-8")
    assert _build_cli(folder) == 1
    err = capsys.readouterr().err
    assert err == (
        f"kg: error: --out {folder}: was not written by kg build (no {MARKER}, no SHA256SUMS "
        "and void.ttl of this project); refusing to replace it. Choose a new or empty folder, "
        "or move that folder away yourself\n"
    )
    assert snapshot(folder) == {"notes.txt": b"precious\n"}


def test_a_build_with_foreign_files_is_refused(previous_dist: Path, capsys) -> None:
    (previous_dist / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = snapshot(previous_dist)
    assert _build_cli(previous_dist) == 1
    assert "holds files kg build did not write (notes.txt); refusing" in capsys.readouterr().err
    assert snapshot(previous_dist) == before


def test_files_of_a_users_own_in_the_store_folder_are_refused(previous_dist: Path,
                                                              capsys) -> None:
    """Regression: every path under store/ counted as the build's, so a rebuild deleted a
    user's notes there; only the names RocksDB gives its files count."""
    (previous_dist / "store" / "NOTES.txt").write_text("mine\n", encoding="utf-8")
    (previous_dist / "store" / "sub").mkdir()
    (previous_dist / "store" / "sub" / "000001.sst").write_text("x", encoding="utf-8")
    assert _build_cli(previous_dist) == 1
    assert ("holds files kg build did not write (store/NOTES.txt, store/sub/000001.sst); "
            "refusing") in capsys.readouterr().err
    assert (previous_dist / "store" / "NOTES.txt").read_text(encoding="utf-8") == "mine\n"


def test_an_out_ending_in_dot_dot_is_refused_before_any_work(previous_dist: Path,
                                                             capsys) -> None:
    """Regression: `--out dist/ontology/..` built everything, then put its lock file and
    staging folder inside the previous build (`out.parent`/`out.name` with the name `..`), and
    every later build refused that folder for the lock file left in it."""
    before = snapshot(previous_dist)
    assert _build_cli(previous_dist / "ontology" / "..") == 1
    assert "ends in '..'; name the folder itself; refusing" in capsys.readouterr().err
    assert snapshot(previous_dist) == before
    assert replaceable(previous_dist) is None


def test_a_file_is_refused(tmp_path: Path, capsys) -> None:
    target = tmp_path / "dist"
    target.write_text("x", encoding="utf-8")
    assert _build_cli(target) == 1
    assert f"--out {target}: is not a folder; refusing" in capsys.readouterr().err


def test_a_mount_point_is_refused(tmp_path: Path, capsys) -> None:
    with _mount_tmpfs(tmp_path / "volume", "size=1m") as volume:
        assert _build_cli(volume) == 1
    assert f"--out {volume}: is a mount point, which cannot be swapped by a rename" in \
        capsys.readouterr().err


def test_what_counts_as_a_kg_build(previous_dist: Path, tmp_path: Path) -> None:
    assert replaceable(previous_dist) is None
    assert replaceable(tmp_path / "new") is None
    (tmp_path / "empty").mkdir()
    assert replaceable(tmp_path / "empty") is None
    # The previous release wrote no marker: SHA256SUMS + void.ttl listing every file is enough.
    (previous_dist / MARKER).unlink()
    sums = previous_dist / "SHA256SUMS"
    sums.write_text("".join(line for line in sums.read_text().splitlines(keepends=True)
                            if not line.endswith(f"  {MARKER}\n")))
    assert replaceable(previous_dist) is None
    (previous_dist / "void.ttl").unlink()
    assert replaceable(previous_dist).startswith("was not written by kg build")


def test_a_dump_with_its_own_void_and_sums_is_not_replaced(tmp_path: Path) -> None:
    """Regression: a folder holding mydata.nt, a void.ttl and a SHA256SUMS listing both (a
    common layout for RDF dumps) passed as a dist/ of a release before the marker, and
    `kg build --out` deleted mydata.nt."""
    import hashlib

    folder = tmp_path / "wikidump"
    folder.mkdir()
    (folder / "mydata.nt").write_text("<http://x.org/a> <http://x.org/b> \"c\" .\n")
    (folder / "void.ttl").write_text("@prefix void: <http://rdfs.org/ns/void#> .\n"
                                     "<http://x.org/d> a void:Dataset .\n")
    (folder / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n"
        for n in ("mydata.nt", "void.ttl")))
    assert replaceable(folder).startswith("was not written by kg build")
    assert _build_cli(folder) != 0
    assert (folder / "mydata.nt").is_file()


def test_the_build_marks_its_folder_and_lists_the_marker(dist: Path) -> None:
    marker = json.loads((dist / MARKER).read_text(encoding="utf-8"))
    assert marker["generator"] == "occupation-kg kg build"
    assert marker["options"]["quotes_checked"] is True
    assert set(marker) == {"generator", "version", "inputs_sha256", "options"}  # no time
    assert f"  {MARKER}" in (dist / "SHA256SUMS").read_text()


# --- a successful rebuild: stale folders, permissions, same bytes -----------------------------


def test_rebuild_replaces_cleans_up_and_is_world_readable(
    previous_dist: Path, dist: Path, seeds_dir: Path, capsys
) -> None:
    parent = previous_dist.parent
    old = os.path.getmtime(previous_dist) - 2 * LEGACY_AGE_SECONDS
    stale = [parent / ".kg-build-dist-999999-deadbeef", parent / ".kg-build-dist-1-0badc0de-old",
             parent / ".kg-build-abcd1234-ready", parent / ".dist-old-1700000000"]
    kept = [parent / ".kg-build-dist-2-123-abcdef01",  # another --out (dist-2)
            parent / ".kg-import-abcd1234"]  # an earlier release's build may still run
    # Regression (session 29's attack): a folder named so but not a build's (no marker: a
    # user's backup) was deleted with its contents; it is left, and said
    foreign = [parent / ".dist-old-2024", parent / ".kg-import-mybackup"]
    for folder in stale + kept + foreign:
        folder.mkdir()
        (folder / "kg.nt").write_text("partial", encoding="utf-8")
    for folder in stale:  # a build writes its marker first thing
        shutil.copy(dist / MARKER, folder / MARKER)
    (parent / ".dist-old-2024" / "thesis.txt").write_text("precious", encoding="utf-8")
    for folder in stale[2:] + foreign:  # named by an earlier release: removed only when old
        os.utime(folder, (old, old))
    umask = os.umask(0o077)  # a private umask must not make the published files private
    try:
        build(BuildOptions(out=previous_dist, documents=seeds_dir))
    finally:
        os.umask(umask)
    err = capsys.readouterr().err
    assert "removed 4 folder(s) left by an interrupted build" in err
    assert "left 2 folder(s) beside --out named like an interrupted build's" in err
    assert not any(folder.exists() for folder in stale)
    assert all(folder.exists() for folder in kept)
    assert (parent / ".dist-old-2024" / "thesis.txt").read_text(encoding="utf-8") == "precious"
    assert snapshot(previous_dist) == snapshot(dist)  # same inputs, same bytes
    modes = {p.relative_to(previous_dist).as_posix(): p.stat().st_mode & 0o777
             for p in [previous_dist, *previous_dist.rglob("*")]}
    assert modes.pop(".") == 0o755 and modes.pop("ontology") == 0o755
    assert modes.pop("store") == 0o755
    assert set(modes.values()) == {0o644}
    assert [p.name for p in parent.iterdir() if p.name.startswith(".kg-build-dist-")] == \
        [kept[0].name]


def test_a_running_builds_staging_folder_and_a_users_copy_are_left(
        tmp_path: Path, dist: Path, capsys) -> None:
    """Regressions (session 30's attack): a build into `site` removed the staging folder of a
    running build into `site-1-20261206` (its name read as one of site's), which then failed
    with a traceback; and a `.site-old-*` copy of a dist/ with the user's thesis.txt added was
    deleted, because the marker alone decided."""
    import fcntl

    out = tmp_path / "site"
    other = tmp_path / ".kg-build-site-1-20261206-6467-f9d3b0fb"  # a build into site-1-20261206
    running = tmp_path / ".kg-build-site-4242-deadbeef"  # named like ours, its build alive
    copy = tmp_path / ".site-old-1700000000"
    dead = tmp_path / ".kg-build-site-4243-0badc0de"
    for folder in (other, running, dead):
        folder.mkdir()
        shutil.copy(dist / MARKER, folder / MARKER)
    shutil.copytree(dist, copy)
    (copy / "thesis.txt").write_text("precious", encoding="utf-8")
    old = os.path.getmtime(copy) - 2 * LEGACY_AGE_SECONDS
    os.utime(copy, (old, old))
    with (running / MARKER).open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_SH)
        assert output_folder.remove_stale(out) == [dead.name]
    assert other.is_dir() and running.is_dir() and not dead.exists()
    assert (copy / "thesis.txt").read_text(encoding="utf-8") == "precious"
    err = capsys.readouterr().err
    assert "left 1 folder(s) beside --out named like an interrupted build's" in err
    # with why (the second audit: "no kg-build.json" was said of a folder that has it)
    assert f"{copy.name} (holds files kg build did not write (thesis.txt))" in err
    # once its build has ended, the running one's folder is a dead build's
    assert output_folder.remove_stale(out) == [running.name]
    # a build holds its own staging folder so while it runs
    with staging_folder(out, {"generator": "test"}) as staging:
        assert output_folder._held_by_a_build(staging)


# --- one build at a time -------------------------------------------------------------------


def test_a_second_build_waits_for_the_lock(tmp_path: Path, capsys) -> None:
    out = tmp_path / "dist"
    entered = threading.Event()

    def second() -> None:
        with staging_folder(out, {"generator": "test"}) as staging:
            (staging / "SHA256SUMS").write_text("", encoding="utf-8")
            entered.set()

    with output_lock(out):
        thread = threading.Thread(target=second)
        thread.start()
        assert not entered.wait(1.0)  # blocked while the first build holds the lock
    thread.join(10)
    assert entered.is_set()
    assert f"kg: another build is writing {out}; waiting for it to finish" in \
        capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == [".dist.kg-lock"]  # staging removed


# --- no room, no permission ------------------------------------------------------------------


def test_read_only_target_is_refused_before_any_work(read_only_dir: Path, capsys) -> None:
    assert _build_cli(read_only_dir / "dist") == 1
    err = capsys.readouterr().err
    assert err == (f"kg: error: --out {read_only_dir / 'dist'}: cannot write into "
                   f"{read_only_dir} (Read-only file system)\n")


def test_too_little_space_is_refused_before_any_work(tmp_path: Path, dist: Path, capsys) -> None:
    size = sum(p.stat().st_size for p in dist.rglob("*") if p.is_file())
    # Room for the previous build, not for a second copy of it beside.
    with _mount_tmpfs(tmp_path / "small", f"size={size + size // 2}") as disk:
        target = disk / "dist"
        shutil.copytree(dist, target)
        before = snapshot(target)
        assert main(["build", "--out", str(target)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"kg: error: --out {target}: only ")
        assert f"MB free in {disk}, the build needs about {max(size, SPACE_FLOOR) / 1e6:.1f} MB"\
            in err
        assert "records" not in err  # refused before reading anything
        assert snapshot(target) == before


def test_a_first_full_build_is_sized_by_its_reference_data(tmp_path: Path, monkeypatch) -> None:
    """Regression: with no previous dist/ the check asked for 8 MB, though a --data build
    needs about 6 GB while it runs; now the reference data folder sizes it (64 times)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "table.tsv").write_bytes(b"x" * 1_000_000)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(output_folder.shutil, "disk_usage",
                        lambda _: usage._replace(free=9_000_000))
    output_folder.check_output(tmp_path / "seed-dist")  # a seed build fits in 9 MB
    with pytest.raises(output_folder.OutputFolderError,
                       match=r"only 9\.0 MB free .* the build needs about 64\.0 MB"):
        output_folder.check_output(tmp_path / "full-dist", data)


def test_disk_full_while_writing_keeps_the_previous_build(
    tmp_path: Path, dist: Path, seeds_dir: Path, monkeypatch, capsys
) -> None:
    size = sum(p.stat().st_size for p in dist.rglob("*") if p.is_file())
    with _mount_tmpfs(tmp_path / "disk", f"size={3 * max(size, SPACE_FLOOR)}") as disk:
        target = disk / "dist"
        shutil.copytree(dist, target)
        before = snapshot(target)
        real_check = output_folder.check_output

        def check_then_fill(out: Path, data: Path | None = None,
                            inputs: tuple[Path | None, ...] = ()) -> None:
            real_check(out, data, inputs)  # passes: there is room now ...
            free = shutil.disk_usage(disk).free  # ... then another process takes most of it
            (disk / "ballast").write_bytes(b"\0" * (free - size // 4))

        monkeypatch.setattr("kg.build.pipeline.check_output", check_then_fill)
        assert main(["build", "--out", str(target), "--documents", str(seeds_dir)]) == 1
        err = capsys.readouterr().err.splitlines()[-1]
        assert err.startswith(f"kg: error: --out {target}: disk full while writing the new "
                              "build (No space left on device")
        assert err.endswith("); the previous dist/ is untouched. Free some space and build again")
        assert snapshot(target) == before
        assert sorted(p.name for p in disk.iterdir()) == [".dist.kg-lock", "ballast", "dist"]


def test_disk_full_inside_the_staging_folder_is_one_line(previous_dist: Path) -> None:
    before = snapshot(previous_dist)
    with pytest.raises(OutputFolderError) as failed:
        with staging_folder(previous_dist, {"generator": "test"}) as staging:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(staging / "kg.nt"))
    assert str(failed.value) == (
        f"--out {previous_dist}: disk full while writing the new build (No space left on device: "
        f"{staging / 'kg.nt'}); the previous dist/ is untouched. Free some space and build again")
    assert snapshot(previous_dist) == before
    assert not [p for p in previous_dist.parent.iterdir() if p.name.startswith(".kg-build-")]


def test_an_out_inside_the_records_is_refused(tmp_path: Path, seeds_dir: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: `--out` inside `--sources` was accepted, and the marker's digest then took
    in the previous dist/ (its RocksDB store too): three rebuilds of unchanged records gave
    three different SHA256SUMS."""
    records = tmp_path / "records"
    shutil.copytree(Path(__file__).parents[1] / "kg" / "sources" / "curated" / "records",
                    records)
    assert main(["build", "--sources", str(records), "--out", str(records / "dist"),
                 "--no-ontology-docs"]) == 1
    err = capsys.readouterr().err
    assert f"--out {records / 'dist'}: is inside {records}, which the build reads" in err
    assert not (records / "dist").exists()


def test_the_marker_digest_names_the_records_not_their_folder(tmp_path: Path) -> None:
    """Regression: the digest named each file by the records folder's own name and took in
    every file under it, so the same records copied to another folder (or beside a backup
    file the loader never reads) gave another kg-build.json and SHA256SUMS."""
    from kg.build.options import BuildOptions as Options

    source = Path(__file__).parents[1] / "kg" / "sources" / "curated" / "records"
    copy = tmp_path / "elsewhere"
    shutil.copytree(source, copy)
    digests = [output_folder.build_marker(Options(out=tmp_path / "d", sources=folder),
                                          "https://w3id.org/occupation-kg/id/")
               for folder in (source, copy)]
    (copy / ".credentials.yaml.swp").write_bytes(b"editor state")
    digests.append(output_folder.build_marker(Options(out=tmp_path / "d", sources=copy),
                                              "https://w3id.org/occupation-kg/id/"))
    assert digests[0] == digests[1] == digests[2]
    (copy / "duties.yaml").write_text((copy / "duties.yaml").read_text() + "\n# note\n")
    changed = output_folder.build_marker(Options(out=tmp_path / "d", sources=copy),
                                         "https://w3id.org/occupation-kg/id/")
    assert changed["inputs_sha256"] != digests[0]["inputs_sha256"]


def test_a_link_or_a_folder_put_into_a_dist_is_not_deleted(previous_dist: Path,
                                                            tmp_path: Path) -> None:
    """Regression: a symbolic link to a folder, or an empty folder, put into a kg-built dist/
    was deleted without a word (a link to a file or any other file made the build refuse)."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("notes\n")
    (previous_dist / "my-notes").symlink_to(mine)
    assert "holds files kg build did not write (my-notes)" in replaceable(previous_dist)
    (previous_dist / "my-notes").unlink()
    assert replaceable(previous_dist) is None
    (previous_dist / "emptydir").mkdir()
    assert "holds files kg build did not write (emptydir/)" in replaceable(previous_dist)
    assert _build_cli(previous_dist) == 1
    assert (previous_dist / "emptydir").is_dir() and (mine / "notes.txt").is_file()


def test_an_out_name_too_long_for_its_staging_folder_is_refused(tmp_path: Path,
                                                                seeds_dir: Path) -> None:
    """Regression (session 29's attack): a 240-byte --out name made the staging folder's name
    longer than a file name may be: an OSError traceback."""
    out = tmp_path / ("a" * 240)
    with pytest.raises(OutputFolderError, match="its name is 240 bytes long; at most 200"):
        build(BuildOptions(out=out, documents=seeds_dir))
    assert not out.exists()


def test_an_out_through_a_missing_folder_makes_no_folder(tmp_path: Path, monkeypatch) -> None:
    """Regression (session 30's attack): `--out x/../seed` created the missing folder x."""
    monkeypatch.chdir(tmp_path)
    out = output_folder.settled(Path("x/../seed"))
    assert out == tmp_path.resolve() / "seed"
    output_folder.check_output(out)
    assert not (tmp_path / "x").exists()
    assert (tmp_path / ".seed.kg-lock").exists()  # the lock beside the folder meant
    assert output_folder.settled(Path("a/..")) == Path("a/..")  # left for the refusal
