"""The exception hierarchy mirrors the core taxonomy, with context attached."""

import pytest

import rowcol
from rowcol._rowcol import _sample_error

HIERARCHY = {
    "RailError": "RowcolError",
    "StoreError": "RowcolError",
    "NotFoundError": "StoreError",
    "OutsidePortfolioError": "StoreError",
    "WrongKeyError": "StoreError",
    "MappingError": "RowcolError",
    "InvalidInputError": "RowcolError",
    "MoneyError": "RowcolError",
}


def test_hierarchy():
    assert issubclass(rowcol.RowcolError, Exception)
    for name, base in HIERARCHY.items():
        assert getattr(rowcol, name).__bases__ == (getattr(rowcol, base),), name


@pytest.mark.parametrize(
    "family, cls, retryable, kind",
    [
        ("throttled", rowcol.RailError, True, "throttled"),
        ("needs_reauth", rowcol.RailError, False, "needs_reauth"),
        ("busy", rowcol.StoreError, True, "busy"),
        ("not_found", rowcol.NotFoundError, False, "not_found"),
        ("outside_portfolio", rowcol.OutsidePortfolioError, False, "outside_portfolio"),
        ("wrong_key", rowcol.WrongKeyError, False, "wrong_key"),
        ("mapping", rowcol.MappingError, False, None),
        ("invalid_input", rowcol.InvalidInputError, False, None),
        ("money", rowcol.MoneyError, False, None),
    ],
)
def test_each_core_error_maps_to_its_class(family, cls, retryable, kind):
    err = _sample_error(family)
    assert type(err) is cls
    assert err.retryable is retryable
    assert err.kind == kind
    if family != "money":
        assert (err.client, err.realm, err.rail) == ("acme", "9130", "qbo")
    else:
        assert err.client is None and "USD" in str(err) and "EUR" in str(err)


def test_rail_errors_carry_what_the_rail_said():
    err = _sample_error("throttled")
    assert (err.http_status, err.code, err.trace_id, err.retry_after) == (429, "003001", "1-abc", 60.0)
    assert "intuit_tid 1-abc" in str(err)
    with pytest.raises(rowcol.RowcolError):
        raise err


def test_errors_raised_from_python_input_have_the_attributes_too():
    with pytest.raises(rowcol.InvalidInputError) as e:
        rowcol.Snapshot.from_json("{")
    assert e.value.retryable is False and e.value.client is None


def test_unknown_family_is_refused():
    with pytest.raises(rowcol.InvalidInputError):
        _sample_error("nope")


def test_messages_never_say_no_context(tmp_path):
    import datetime as dt

    m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/x.db", ephemeral=True)
    m.close()
    with pytest.raises(rowcol.StoreError) as err:
        m.add_advisor("jane-cfo", "Jane")
    assert "no context" not in str(err.value) and "closed" in str(err.value)
    with rowcol.LookAlike(clients=1, size="small") as sim:
        m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/y.db", ephemeral=True)
        sim.register(m)
        sim.set_faults(sim.realm_ids[0], error_503=1.0)
        with pytest.raises(rowcol.RailError) as err:
            m.sync_all(sim.app(max_attempts=50, base_delay=dt.timedelta(seconds=2)), timeout=0.2)
        assert "no context" not in str(err.value) and "timeout=0.2 s" in str(err.value)
