"""Each benchmark runs in its quick smoke mode (figures are printed, never asserted on time)."""

from __future__ import annotations

from benchmarks import train_sample


def test_train_sample_quick(capsys):
    out = train_sample.main(["--quick", "--encoder", "hashing"])
    printed = capsys.readouterr().out
    assert "total run" in printed and "cold-user NDCG@20 content" in printed
    assert out["first"] > 0 and out["second"] > 0


def test_ingest_quick(capsys):
    from benchmarks import ingest

    times = ingest.main(["--quick"])
    assert set(times) == {"csv", "csv.gz", "parquet"}
    assert "interactions" in capsys.readouterr().out


def test_models_quick(capsys):
    from benchmarks import models

    out = models.main(["--quick", "--encoder", "hashing", "--compare-encoder", "hashing"])
    printed = capsys.readouterr().out
    expected = set(models.default_models()) | {"content@hashing"}
    assert not out["failed"] and set(out["table"].index) == expected
    assert "transfer" not in expected  # fine-tunes the encoder: only when asked for by name
    assert "NDCG@20 cold" in printed and "Recall@20 warm" in printed and "/ peer" in printed
    for name in expected:
        assert f"| {name}" in printed
    assert "content vs content@hashing" in printed and "lift +0.0%" in printed  # same encoder: no lift


def test_models_quick_cold_item_ratios_fall_back_to_content(capsys):
    from benchmarks import models

    out = models.main(["--quick", "--encoder", "hashing", "--protocol", "cold_item",
                       "--models", "popularity,ease,content"])
    printed = capsys.readouterr().out
    table = out["table"]
    assert table.attrs["ref"] == "content"  # models without text cannot rank a cold item: they score 0
    assert table.at["popularity", ("ndcg", "all")][0] == 0.0
    assert "NDCG all / content" in printed


def test_evaluate_speed_quick(capsys):
    from benchmarks import evaluate_speed

    out = evaluate_speed.main(["--quick", "--what-if", "ease_c_order,no_diversity"])
    printed = capsys.readouterr().out
    assert set(out["totals"]) == {"as is", "what-if"}
    assert set(evaluate_speed.MODELS) <= set(out["seconds"]["as is"])
    assert out["n_users"] > 500 and out["n_items"] == 500
    assert "users/s" in printed and "summarize (bootstrap)" in printed and "the 60 s target" in printed


def test_static_encoder_quick(capsys):
    from benchmarks import static_encoder

    out = static_encoder.main(["--quick"])
    assert set(out) == {"sample"}
    row = out["sample"]
    assert row["n_train"] > 0 and row["n_held"] > 0 and row["speedup"] > 1
    assert 0 < row["static_ndcg"] and row["ratio_low"] <= row["ratio"] <= row["ratio_high"]
    assert "static / MiniLM" in capsys.readouterr().out


def test_static_encoder_never_trains_on_held_out_cold_item_texts(tmp_path):
    from benchmarks.encode_speed import load_data
    from benchmarks.static_encoder import training_texts
    from coldrec.data.workspace import Workspace

    inter, catalog = load_data(Workspace(tmp_path / "ws"), "sample", smoke=True)
    for train_on in ("catalog", "warm"):
        train, held = training_texts(inter, catalog, train_on)
        assert train and held and set(train).isdisjoint(held)
    assert len(training_texts(inter, catalog, "warm")[0]) < len(training_texts(inter, catalog, "catalog")[0])
