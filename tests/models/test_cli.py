"""`tinysim models list`."""

from tinysim.cli import main


def test_list_prints_manifest_table(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "220")  # rich wraps to the terminal width
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    for text in ("kws01", "vww01", "ic01", "ad01", "22,604", "7,489,664", "77,706", "264,192"):
        assert text in out


def test_list_missing_manifest_is_clear(tmp_path, capsys):
    assert main(["models", "list", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json: no manifest" in err and "tinysim models generate" in err
