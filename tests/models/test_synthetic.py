"""The project's synthetic distributions: formats, determinism, and that classes really differ."""

import numpy as np

from tinysim.models import synthetic


def test_kws_codes_use_reference_quantization_range():
    codes, labels = synthetic.kws_samples(120, np.random.default_rng(0))
    assert codes.dtype == np.int8 and codes.shape == (120, 49, 10)
    assert set(labels.tolist()) == set(range(12))
    # Clipping at the int8 ends must stay rare, or the features would be saturated.
    assert np.mean((codes == -128) | (codes == 127)) < 0.02
    back = synthetic.kws_to_float(np.array([83], np.int8))
    assert back[0] == 0.0


def test_same_seed_same_samples_and_structure_independent_of_seed():
    a, _ = synthetic.ic_samples(5, np.random.default_rng(1), labels=np.arange(5))
    b, _ = synthetic.ic_samples(5, np.random.default_rng(1), labels=np.arange(5))
    c, _ = synthetic.ic_samples(5, np.random.default_rng(2), labels=np.arange(5))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def _nearest_centroid_accuracy(x, y, xt, yt):
    x, xt = x.reshape(len(x), -1).astype(float), xt.reshape(len(xt), -1).astype(float)
    centroids = np.stack([x[y == k].mean(0) for k in np.unique(y)])
    pred = np.argmin(((xt[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)
    return np.mean(pred == yt)


def test_kws_classes_are_separable_by_a_trivial_classifier():
    x, y = synthetic.kws_samples(600, np.random.default_rng(3))
    xt, yt = synthetic.kws_samples(240, np.random.default_rng(4))
    assert _nearest_centroid_accuracy(x, y, xt, yt) > 0.5  # chance is 1/12


def test_vww_format_and_requested_labels():
    imgs, labels = synthetic.vww_samples(6, np.random.default_rng(0), labels=np.array([1, 0] * 3))
    assert imgs.dtype == np.uint8 and imgs.shape == (6, 96, 96, 3)
    assert labels.tolist() == [1, 0] * 3


def test_ad_anomalies_break_the_low_rank_structure():
    rng = np.random.default_rng(0)
    normal = np.concatenate([synthetic.ad_spectrogram(rng, False) for _ in range(10)])
    basis = np.linalg.svd(normal - normal.mean(0), full_matrices=False)[2][:6]

    def residual(spec):
        centred = spec - normal.mean(0)
        return np.mean((centred - centred @ basis.T @ basis) ** 2)

    normals = [residual(synthetic.ad_spectrogram(rng, False)) for _ in range(12)]
    anomalies = [residual(synthetic.ad_spectrogram(rng, True)) for _ in range(12)]
    assert np.median(anomalies) > np.median(normals)
    spec = synthetic.ad_spectrogram(rng, False)
    assert spec.dtype == np.float32 and spec.shape == (200, 128)
    assert -100 < spec.min() and spec.max() < 30  # log-mel-like dB range
    assert synthetic.ad_windows(spec).shape == (196, 640)
    assert np.array_equal(synthetic.ad_windows(spec)[3], spec[3:8].reshape(-1))
