"""The committed benchmark images are what the sources build: rebuilt, they are byte-identical."""

import pytest

from tinysim.firmware.images import DEFAULT_PLATFORMS, WORKLOADS, build_model_image, load_manifest
from tinysim.platform import load_platform


@pytest.mark.toolchain
@pytest.mark.slow
@pytest.mark.parametrize("platform", DEFAULT_PLATFORMS)
def test_rebuilt_images_match_the_manifest(platform, tmp_path, repo_root):
    plat = load_platform(platform)
    committed = load_manifest(platform)["images"]
    for workload in WORKLOADS:
        entry = build_model_image(repo_root / "models" / f"{workload}.tflite", plat,
                                  tmp_path / f"{workload}.elf")
        old = committed[workload]
        assert entry["fits"] == old["fits"], workload
        if entry["fits"]:
            assert entry["sha256"] == old["sha256"], (
                f"{platform}/{workload}: rebuilt image differs from the committed one; "
                "rebuild with `python -m tinysim.firmware.images` and commit")
