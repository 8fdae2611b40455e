"""No public name is lost: every name of tg, tg.nn, F, tg.optim, tg.viz, tg.data, tg.datasets
and every public Tensor attribute, as they were before the house was rearranged (the op
catalogue, the engine split), is still there. A name may be added; removing one breaks
learners' code and needs a deliberate change here."""

import importlib

import pytest

import tinygrad_edu as tg

BEFORE = {
    "tinygrad_edu": """
        Function GradcheckError Tensor abs autograd broadcast_to clip concatenate conv cos
        data datasets detect_anomaly enable_grad exp files functions get_default_dtype grad
        gradcheck interop is_grad_enabled log log_softmax manual_seed matmul max maximum
        mean min minimum nn no_grad numerical_gradient ops optim random relu reshape
        set_default_dtype sigmoid sin softmax sqrt stack sum tanh tensor transpose
        unbroadcast viz where
    """,
    "tinygrad_edu.nn": """
        AvgPool2d BatchNorm1d BatchNorm2d Conv2d Dropout Flatten Linear LoadResult MaxPool2d
        Module ModuleList Parameter ReLU Sequential Sigmoid Softmax Tanh functional init
        layers module
    """,
    "tinygrad_edu.nn.functional": """
        avg_pool2d batch_norm binary_cross_entropy conv conv2d cross_entropy dropout im2col
        linear log_softmax max_pool2d mse_loss relu sigmoid softmax tanh
    """,
    "tinygrad_edu.optim": """
        Adagrad Adam Optimizer RMSprop SGD
    """,
    "tinygrad_edu.viz": """
        BackwardStep BackwardSteps DEFAULT_MAX_NODES Explorer GraphDrawing
        PdfNeedsSystemGraphviz RenderError Renderer RendererNotFound draw_graph drawing
        explain explain_backward explore explorer find_renderer formatting render_source
        resolver save_graph save_html saving script_directories
    """,
    "tinygrad_edu.data": """
        DataLoader
    """,
    "tinygrad_edu.datasets": """
        CorruptDataError DatasetError MIRRORS MissingDataError data_root download_file
        load_mnist
    """,
}

TENSOR_BEFORE = """
    T abs arange argmax argmin astype backward binary_cross_entropy broadcast_to clip
    concatenate cos data detach dtype exp eye flatten grad is_leaf item log log_softmax
    matmul max maximum mean min minimum name ndim numpy ones pow rand randn relu
    requires_grad reshape retain_grad shape sigmoid sin size softmax sqrt stack sum
    swapaxes tanh tolist transpose uniform where zeros
"""


@pytest.mark.parametrize("module", BEFORE)
def test_no_public_name_is_lost(module):
    found = importlib.import_module(module)
    lost = [name for name in BEFORE[module].split() if not hasattr(found, name)]
    assert lost == []


@pytest.mark.parametrize("module", [m for m in BEFORE if m not in ("tinygrad_edu.data",
                                                                   "tinygrad_edu.optim")])
def test_every_name_in_all_is_there(module):
    found = importlib.import_module(module)
    assert [name for name in found.__all__ if not hasattr(found, name)] == []


def test_no_tensor_attribute_is_lost():
    assert [name for name in TENSOR_BEFORE.split() if not hasattr(tg.Tensor, name)] == []


def test_f_shares_tgs_activations():
    import tinygrad_edu.nn.functional as F

    for name in ("relu", "sigmoid", "tanh", "softmax", "log_softmax"):
        assert getattr(F, name) is getattr(tg, name)  # written once (functions.py)
