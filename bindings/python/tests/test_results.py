"""Results behave like the values they are (issue 23): `in`, iteration,
pickling, value equality, HTML in notebooks, labelled outlooks, and the
small properties a notebook reaches for."""

import pickle

import pytest

import rowcol

from conftest import AS_OF, SYNCED, client_records


def test_results_are_read_only_mappings_of_their_fields(snapshot):
    f = snapshot.forecast()
    # Before: `"weeks" in f` and `list(f)` raised.
    assert "weeks" in f and "nope" not in f
    assert list(f) == f.keys() and "as_of" in list(f)
    assert dict(f)["weeks"] == f["weeks"]


def test_results_compare_by_value(snapshot):
    # Before: `==` was identity.
    assert snapshot.forecast() == snapshot.forecast()
    same = rowcol.Snapshot.from_records("acme", client_records(), AS_OF, synced_at=SYNCED)
    assert snapshot.runway() == same.runway()
    # The runway states how old its balances are: never synced is another value.
    assert snapshot.runway() != rowcol.Snapshot.from_records("acme", client_records(), AS_OF).runway()
    assert snapshot.forecast() != snapshot.forecast(rowcol._rowcol._as_date("2026-07-22"))
    assert snapshot.aging("receivable") != snapshot.aging("payable")
    assert snapshot.runway() != "Runway"


def test_calculator_results_pickle_and_come_back_equal(snapshot):
    # Before: no pickling (multiprocessing and joblib need it).
    p = rowcol.Portfolio([snapshot])
    for result in (snapshot.runway(), snapshot.forecast(), snapshot.aging("payable"), snapshot.outlook(),
                   snapshot.tray(), snapshot.console(), p.digest(now=SYNCED)):
        again = pickle.loads(pickle.dumps(result))
        assert type(again) is type(result) and again == result, type(result).__name__
        assert again.to_json() == result.to_json()
    assert pickle.loads(pickle.dumps(snapshot.forecast())).client == "acme"


def test_results_render_as_html_in_notebooks(snapshot):
    html = snapshot.forecast()._repr_html_()
    assert html.startswith("<div>") and "<svg" in html and "<table" in html and "closing" in html
    tray_html = snapshot.tray()._repr_html_()
    assert "<table" in tray_html and "rule_id" in tray_html
    digest_html = rowcol.Portfolio([snapshot]).digest(now=SYNCED)._repr_html_()
    assert "acme" in digest_html and "urgency_reasons" in digest_html
    from rowcol import records as r

    shady = rowcol.Snapshot.from_records("acme", [r.vendor("acme", "v1", "<script>x</script>"),
                                                  r.bill("acme", "b1", 5, txn_date=AS_OF, due_date=AS_OF, vendor="v1")],
                                         AS_OF)
    assert "<script>" not in shady.console()._repr_html_()


def test_forecast_has_as_of_weeks_and_client(snapshot):
    f = snapshot.forecast()
    assert f.as_of == AS_OF and f.client == "acme"
    assert len(f.weeks) == 13 and f.weeks[0]["week"] == 1 and f.weeks[0]["start"] == AS_OF


def test_portfolio_outlooks_are_labelled_by_client(snapshot):
    bolt = rowcol.Snapshot.from_records("bolt", client_records("bolt"), AS_OF)
    outlooks = rowcol.Portfolio([snapshot, bolt]).outlooks()
    # Before: an unlabelled list.
    assert list(outlooks) == ["acme", "bolt"]
    assert outlooks["bolt"].client == "bolt" and outlooks["bolt"].runway.client == "bolt"
    assert "client=bolt" in repr(outlooks["bolt"])


def test_aging_side_is_read_in_any_case_as_the_repr_shows_it(snapshot):
    a = snapshot.aging("receivable")
    assert "side=\"receivable\"" in repr(a) and a.side == "receivable"
    # Before: aging("Receivable") raised though the repr said side=Receivable.
    assert snapshot.aging("Receivable") == a == snapshot.aging("AR")
    with pytest.raises(rowcol.InvalidInputError, match="expected \"receivable\""):
        snapshot.aging("sideways")


def test_mirror_has_aging(mirror):
    a = mirror.aging("jane-cfo", "acme", "receivable", AS_OF)
    snap = mirror.snapshot("jane-cfo", "acme", AS_OF)
    assert a == snap.aging("receivable") and a.client == "acme"
    assert mirror.aging("jane-cfo", "acme", "Payable", "2026-07-15").total == snap.aging("payable").total
