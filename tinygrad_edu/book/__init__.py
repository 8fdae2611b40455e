"""The books' code on the engine, for readers of "Deep Learning from Scratch".

The book's `common.<name>` is `tinygrad_edu.book.<name>` and its `dataset.mnist` is
`tinygrad_edu.book.mnist`: the chapter 5-8 scripts run with only their import lines changed,
for example `from common.layers import Affine` becomes
`from tinygrad_edu.book.layers import Affine`.

- layers: Relu, Sigmoid, Affine, SoftmaxWithLoss, Dropout, BatchNormalization,
  Convolution, Pooling; every backward(dout) is the engine's (recording.py);
- functions, gradient (numerical_gradient), util (im2col, col2im, smooth_curve,
  shuffle_dataset), optimizer (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam, with the
  book's update rules), trainer (Trainer), multi_layer_net (MultiLayerNet),
  multi_layer_net_extend (MultiLayerNetExtend), mnist (load_mnist);
- here: the chapter-4 `TwoLayerNet` of the notes, `load_mnist`, and `last_loss` /
  `draw_graph`, the graph of a network's last loss.

Randomness is NumPy's global generator, drawn as the book draws it, so `np.random.seed(n)`
repeats a run of the book. The book saves parameters as pickles; this package never unpickles
anything (a script that calls pickle.load itself does so on its own).

>>> import numpy as np
>>> from tinygrad_edu.book import TwoLayerNet
>>> net = TwoLayerNet(input_size=4, hidden_size=3, output_size=2)
>>> net.predict(np.ones(4)).shape                  # one sample, no batch axis
(2,)
"""

from .graph import draw_graph, last_loss
from .mnist import load_mnist
from .two_layer_net import PARAMETER_NAMES, TwoLayerNet

__all__ = ["PARAMETER_NAMES", "TwoLayerNet", "draw_graph", "last_loss", "load_mnist"]
