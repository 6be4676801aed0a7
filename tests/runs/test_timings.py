from coldrec.runs.timings import StageTimer, fit_stage, refit_estimate, stage_seconds


def test_stages_keep_run_order_and_add_up_when_repeated(monkeypatch):
    ticks = iter([0.0, 2.0, 2.0, 2.5, 10.0, 11.0])
    monkeypatch.setattr("coldrec.runs.timings.time.perf_counter", lambda: next(ticks))
    clock = StageTimer()
    with clock.stage("fit b"):
        pass
    with clock.stage("fit a"):
        pass
    with clock.stage("fit b"):
        pass
    assert clock.records() == [{"stage": "fit b", "seconds": 3.0}, {"stage": "fit a", "seconds": 0.5}]
    assert list(stage_seconds({"timings": clock.records()})) == ["fit b", "fit a"]


def test_a_failing_stage_is_still_timed():
    clock = StageTimer()
    try:
        with clock.stage("boom"):
            raise RuntimeError
    except RuntimeError:
        pass
    assert "boom" in clock.seconds


def test_runs_stored_before_timings_have_none():
    assert stage_seconds({"config": {}}) == {}


def test_refit_estimate_is_fit_time_per_step_and_names_the_untimed():
    timings = {fit_stage("bpr"): 40.0, fit_stage("twotower"): 10.0, "evaluate": 99.0}
    assert refit_estimate(timings, ["bpr", "twotower", "transfer"], 5) == (250.0, ["transfer"])
