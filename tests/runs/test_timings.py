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


def test_timings_table_gives_each_stage_its_share():
    from coldrec.runs.timings import timings_table

    table = timings_table({"timings": [{"stage": "fit ease", "seconds": 3.0}, {"stage": "evaluate", "seconds": 1.0}]})
    assert table.to_dict("list") == {"stage": ["fit ease", "evaluate"], "seconds": [3.0, 1.0], "share": [0.75, 0.25]}
    assert timings_table({}).empty


def test_refit_plan_names_models_that_cannot_fold_in_and_uses_their_newest_fit():
    from coldrec.runs.timings import N_REFITS, refit_plan

    newest = {"timings": [{"stage": fit_stage("bpr"), "seconds": 30.0}]}
    older = {"timings": [{"stage": fit_stage("bpr"), "seconds": 90.0}, {"stage": fit_stage("ease"), "seconds": 9.0}]}
    plan = refit_plan(["popularity", "ease", "bpr", "twotower"], [newest, older])
    assert plan.models == ["bpr", "twotower"]  # popularity and ease fold in
    assert plan.seconds == N_REFITS * 30.0 and plan.untimed == ["twotower"]
    assert "about 2 min for bpr" in plan.text() and "twotower not yet timed here" in plan.text()
    assert "without a refit" in refit_plan(["popularity", "ease"], []).text()


def test_durations_read_as_an_analyst_says_them():
    from coldrec.runs.timings import duration

    assert [duration(s) for s in (4.2, 150, 7200)] == ["4 s", "2 min", "2.0 h"]
