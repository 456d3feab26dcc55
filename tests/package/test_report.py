"""lossbook.report: glue writes what myst-nb's own glue writes, and claim fails loudly."""

from unittest import mock

import numpy as np
import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell
from myst_nb import glue as myst_glue
from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue import GLUE_PREFIX as MYST_GLUE_PREFIX

from lossbook.report import GLUE_PREFIX, ClaimError, claim, glue, glue_all


@pytest.fixture(autouse=True)
def shell():
    # format_display_data needs an IPython shell, as in a notebook kernel.
    return InteractiveShell.instance()


def captured(function, *args, **kwargs):
    with mock.patch("IPython.display.display") as ipython_display, mock.patch(
        "lossbook.report.display"
    ) as our_display, mock.patch("myst_nb.ext.glue.ipy_display") as myst_display:
        function(*args, **kwargs)
    calls = ipython_display.call_args_list + our_display.call_args_list + myst_display.call_args_list
    assert len(calls) == 1
    return calls[0]


@pytest.mark.parametrize("value", [0.0721, 3, "semi-hard", -1.5e-8, 13835])
def test_glue_writes_what_myst_nb_glue_writes(value):
    ours = captured(glue, "name", value)
    theirs = captured(myst_glue, "name", value, display=False)
    assert GLUE_PREFIX == MYST_GLUE_PREFIX
    assert ours == theirs


@pytest.mark.parametrize(
    ("value", "expected"),
    [(np.float64(0.07213), 0.07213), (torch.tensor(0.5, dtype=torch.float64), 0.5), (np.int64(7), 7)],
)
def test_glue_stores_numpy_and_torch_scalars_as_python_numbers_that_myst_nb_can_format(value, expected):
    ours = captured(glue, "value", value)
    theirs = captured(myst_glue, "value", expected, display=False)
    assert ours == theirs
    plain = ours.args[0][GLUE_PREFIX + "text/plain"]
    assert format_plain_text(plain, ".2f") == format(expected, ".2f")


@pytest.mark.parametrize("name", ["", "1st", "with space", "a.b"])
def test_glue_rejects_names_myst_nb_cannot_refer_to(name):
    with pytest.raises(ValueError, match="name must be letters, digits"):
        glue(name, 1.0)


@pytest.mark.parametrize(("name", "kind"), [(None, "NoneType"), (3, "int")])
def test_a_glue_name_of_the_wrong_kind_is_a_type_error(name, kind):
    with pytest.raises(TypeError, match=f"name must be a str, got {kind}"):
        glue(name, 1.0)


def test_glue_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        glue("broken", float("nan"))


def test_glue_all_glues_each_pair_in_order():
    with mock.patch("lossbook.report.display") as our_display:
        glue_all({"first": 1.0, "second": 2})
    names = [call.kwargs["metadata"]["scrapbook"]["name"] for call in our_display.call_args_list]
    assert names == ["first", "second"]
    with pytest.raises(TypeError, match="values must be a dict"):
        glue_all([("first", 1.0)])


@pytest.mark.parametrize("holds", [True, np.bool_(True), torch.tensor(True), torch.tensor([True])])
def test_claim_that_holds_passes_silently(holds):
    assert claim(holds, "the loss went down") is None


@pytest.mark.parametrize("holds", [False, np.bool_(False), torch.tensor(False)])
def test_claim_that_fails_names_the_claim(holds):
    with pytest.raises(ClaimError, match="claims that the loss went down"):
        claim(holds, "the loss went down")
    assert issubclass(ClaimError, AssertionError)


@pytest.mark.parametrize("holds", [1, 0.0, "yes", None, torch.tensor([True, False]), torch.tensor(1.0)])
def test_claim_refuses_anything_but_a_boolean(holds):
    with pytest.raises(TypeError, match="holds must be a bool"):
        claim(holds, "something")


@pytest.mark.parametrize("statement", ["", "   "])
def test_claim_needs_a_statement(statement):
    with pytest.raises(ValueError, match="statement must be a non-empty string"):
        claim(True, statement)


@pytest.mark.parametrize(("statement", "kind"), [(None, "NoneType"), (3, "int")])
def test_a_statement_of_the_wrong_kind_is_a_type_error(statement, kind):
    with pytest.raises(TypeError, match=f"statement must be a str .*got {kind}"):
        claim(True, statement)


def test_a_full_size_run_warns_instead_of_stopping_on_a_claim_about_the_smoke_run(monkeypatch):
    from lossbook.training import run as train
    from lossbook.report import ClaimWarning

    monkeypatch.setenv("LOSSBOOK_RUN_SIZE", "full")
    train.setup(seed=0, threads=None, deterministic=False)
    try:
        with pytest.warns(ClaimWarning, match="says that the loss went down; this full-size run does not support it"):
            claim(False, "the loss went down")
        monkeypatch.setenv("LOSSBOOK_RUN_SIZE", "smoke")
        train.setup(seed=0, threads=None, deterministic=False)
        with pytest.raises(ClaimError):
            claim(False, "the loss went down")
    finally:
        monkeypatch.setattr(train, "_current_run", None)


def test_progress_bar_is_tqdm_unless_tqdm_disable_is_set(monkeypatch):
    from lossbook.report import progress_bar

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert list(progress_bar(range(3), disable=True)) == [0, 1, 2]
    assert not progress_bar(range(3), file=open("/dev/null", "w")).disable
    monkeypatch.setenv("TQDM_DISABLE", "1")
    # tqdm's notebook bar would override the variable with disable=False; this one does not.
    assert progress_bar(range(3), disable=False).disable
    assert list(progress_bar(range(3))) == [0, 1, 2]
