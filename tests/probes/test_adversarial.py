import numpy as np
import pytest
import torch

from viz.images import decode_image
from viz.probes.adversarial import ANY_OTHER, attack, on_8bit_grid
from viz.render import png_bytes


@pytest.mark.parametrize("method", ["fgsm", "pgd"])
def test_the_change_stays_within_the_budget_in_whole_8bit_steps(case, method):
    pixels = case.space.to_pixels(case.x)
    result = attack(case.model, case.space, pixels, epsilon=6, method=method, steps=5)
    change = (result.perturbed - result.original) * 255
    np.testing.assert_allclose(change, np.rint(change), atol=1e-3)
    assert np.abs(result.change).max() <= 6
    assert ((result.perturbed >= 0) & (result.perturbed <= 1)).all()
    np.testing.assert_allclose(result.original, on_8bit_grid(pixels))


def test_a_budget_of_zero_changes_nothing(case):
    result = attack(case.model, case.space, case.space.to_pixels(case.x), epsilon=0)
    np.testing.assert_array_equal(result.perturbed, result.original)
    assert not result.fooled


def _predict_png(case, data: bytes) -> np.ndarray:
    picture = decode_image(data)
    with torch.no_grad():
        logits = case.model(torch.from_numpy(case.spec.preprocess(picture.pixels))[None])[0].double()
    return torch.softmax(logits, 0).numpy()


def test_four_pixel_steps_fool_the_photo_network_and_the_png_still_does(photo_case):
    """PGD at ε = 4/255 turns the cat into something else; the PNG, uploaded again, says the same."""
    case = photo_case
    result = attack(case.model, case.space, case.space.to_pixels(case.x), epsilon=4, method="pgd", steps=10)
    assert result.fooled and int(result.before.argmax()) == case.predicted
    again = _predict_png(case, png_bytes(result.as_uint8()))
    np.testing.assert_allclose(again, result.after, atol=1e-4)
    assert int(again.argmax()) != case.predicted


def test_a_targeted_attack_reaches_the_chosen_class(photo_case):
    case = photo_case
    target = case.spec.classes.index("airplane")
    result = attack(case.model, case.space, case.space.to_pixels(case.x), epsilon=8, target=target, steps=20)
    assert result.fooled and int(result.after.argmax()) == target


def test_untargeted_fgsm_lowers_the_predicted_class(case):
    result = attack(case.model, case.space, case.space.to_pixels(case.x), epsilon=16, method="fgsm")
    assert result.target == ANY_OTHER
    assert result.after[case.predicted] < result.before[case.predicted]
