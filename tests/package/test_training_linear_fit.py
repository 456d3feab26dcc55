"""fit_line against least squares (numpy) and a Huber fit by scipy; the robust scale by hand."""

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from lossbook.losses import huber, mae, mse
from lossbook.training.linear_fit import MAD_TO_STD, fit_line, robust_center_and_scale


def standardized_data(n=60, seed=0, outliers=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=generator, dtype=torch.float64)
    x = (x - x.mean()) / x.std()
    y = 150 + 40 * x + 20 * torch.randn(n, generator=generator, dtype=torch.float64)
    y[:outliers] += 400
    return x, y


def test_robust_center_and_scale_is_the_lower_median_and_the_scaled_mad():
    center, spread = robust_center_and_scale(torch.tensor([[1.0, 2.0, 3.0, 4.0, 100.0], [5.0, 1.0, 2.0, 8.0, 3.0]]))
    # row 1: median 3, |y - 3| = 2 1 0 1 97 -> median 1; row 2: median 3, |y - 3| = 2 2 1 5 0 -> median 2
    torch.testing.assert_close(center, torch.tensor([[3.0], [3.0]]))
    torch.testing.assert_close(spread, torch.tensor([[MAD_TO_STD], [2 * MAD_TO_STD]]))
    even_center, _ = robust_center_and_scale(torch.tensor([1.0, 2.0, 3.0, 10.0]))
    assert even_center.item() == 2.0  # the lower middle value, not numpy's 2.5
    values = torch.randn(101, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    center, spread = robust_center_and_scale(values)
    assert center.item() == np.median(values.numpy())
    assert spread.item() == pytest.approx(1.4826 * np.median(np.abs(values.numpy() - np.median(values.numpy()))))


def test_the_mse_line_is_the_least_squares_line():
    x, y = standardized_data(outliers=5)
    slope, intercept = fit_line(x, y, mse)
    expected_slope, expected_intercept = np.polyfit(x.numpy(), y.numpy(), 1)
    assert slope == pytest.approx(expected_slope, rel=1e-9)
    assert intercept == pytest.approx(expected_intercept, rel=1e-9)


def test_the_huber_line_minimises_the_huber_loss_of_the_rescaled_target():
    x, y = standardized_data(outliers=5)
    center, spread = (v.item() for v in robust_center_and_scale(y))
    scaled = ((y - center) / spread).numpy()

    def huber_objective(params):
        r = params[0] * x.numpy() + params[1] - scaled
        return np.where(np.abs(r) <= 1, 0.5 * r**2, np.abs(r) - 0.5).mean()

    best = minimize(huber_objective, x0=[0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 5000}).x
    slope, intercept = fit_line(x, y, lambda p, t: huber(p, t, delta=1.0), steps=2000)
    assert slope == pytest.approx(best[0] * spread, rel=1e-5)
    assert intercept == pytest.approx(best[1] * spread + center, rel=1e-5)


def test_outliers_pull_the_mse_intercept_far_more_than_the_mae_intercept():
    x, y_clean = standardized_data()
    _, y_dirty = standardized_data(outliers=6)
    drift = {name: fit_line(x, y_dirty, loss)[1] - fit_line(x, y_clean, loss)[1] for name, loss in (("mse", mse), ("mae", mae))}
    # six of sixty targets moved up by 400: the least-squares intercept moves by 6 * 400 / 60 = 40
    assert drift["mse"] == pytest.approx(40, rel=1e-6)
    assert abs(drift["mae"]) < 0.25 * drift["mse"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: fit_line(torch.zeros(3), torch.zeros(4), mse), ValueError, r"x and y must be 1-D of the same shape"),
        (lambda: fit_line(torch.arange(3), torch.zeros(3), mse), TypeError, r"x must be a floating-point tensor"),
        (lambda: fit_line(torch.zeros(3), torch.ones(3), mse), ValueError, r"y must vary around its median"),
        (lambda: fit_line(torch.zeros(3), torch.arange(3.0), None), TypeError, r"loss_fn must be callable"),
        (lambda: fit_line(torch.zeros(3), torch.arange(3.0), mse, steps=0), ValueError, r"steps must be an int >= 1, got 0"),
        (lambda: fit_line(torch.zeros(3), torch.arange(3.0), mse, learning_rate=-1.0), ValueError, r"learning_rate must be a finite number > 0"),
        (lambda: robust_center_and_scale(torch.tensor(3.0)), ValueError, r"target must have at least one dimension"),
        (lambda: robust_center_and_scale([1.0, 2.0]), TypeError, r"target must be a torch.Tensor, got list"),
    ],
)
def test_bad_input_names_itself(call, error, message):
    with pytest.raises(error, match=message):
        call()
