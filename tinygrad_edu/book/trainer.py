"""The book's `common.trainer`: Trainer, the mini-batch loop of chapters 6-8.

Each step draws a batch with np.random.choice (with replacement, as the book's), asks the
network for its gradients, lets the optimizer update `network.params` in place and records
the loss; once per epoch it measures both accuracies. It prints what the book's prints.

>>> import numpy as np
>>> from tinygrad_edu.book.multi_layer_net import MultiLayerNet
>>> from tinygrad_edu.book.trainer import Trainer
>>> np.random.seed(0)
>>> x, t = np.random.rand(20, 3), np.random.randint(0, 2, 20)
>>> net = MultiLayerNet(input_size=3, hidden_size_list=[4], output_size=2)
>>> trainer = Trainer(net, x, t, x, t, epochs=2, mini_batch_size=10, verbose=False)
>>> trainer.train()
>>> len(trainer.train_loss_list), len(trainer.test_acc_list)
(4, 2)
"""

from __future__ import annotations

import numpy as np

from . import optimizer as optimizers

__all__ = ["Trainer"]

OPTIMIZERS = {"sgd": optimizers.SGD, "momentum": optimizers.Momentum,
              "nesterov": optimizers.Nesterov, "adagrad": optimizers.AdaGrad,
              "rmsprop": optimizers.RMSprop, "adam": optimizers.Adam}


class Trainer:
    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                 optimizer="SGD", optimizer_param=None, evaluate_sample_num_per_epoch=None,
                 verbose=True):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"Trainer: unknown optimizer {optimizer!r}; the book's are "
                             f"{', '.join(repr(name) for name in OPTIMIZERS)} (any case)")
        self.network, self.verbose = network, verbose
        self.x_train, self.t_train, self.x_test, self.t_test = x_train, t_train, x_test, t_test
        self.epochs, self.batch_size = epochs, mini_batch_size
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        parameters = {"lr": 0.01} if optimizer_param is None else optimizer_param
        self.optimizer = OPTIMIZERS[optimizer.lower()](**parameters)
        self.train_size = x_train.shape[0]
        # a float, as in the book: an epoch ends where the step count is a multiple of it
        self.iter_per_epoch = max(self.train_size / mini_batch_size, 1)
        self.max_iter = int(epochs * self.iter_per_epoch)
        self.current_iter = self.current_epoch = 0
        self.train_loss_list, self.train_acc_list, self.test_acc_list = [], [], []

    def train_step(self):
        chosen = np.random.choice(self.train_size, self.batch_size)
        x_batch, t_batch = self.x_train[chosen], self.t_train[chosen]
        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)
        loss = self.network.loss(x_batch, t_batch)
        self.train_loss_list.append(loss)
        self._say(f"train loss:{loss}")
        if self.current_iter % self.iter_per_epoch == 0:
            self.current_epoch += 1
            self._measure_accuracy()
        self.current_iter += 1

    def _measure_accuracy(self):
        x_train, t_train, x_test, t_test = self.x_train, self.t_train, self.x_test, self.t_test
        count = self.evaluate_sample_num_per_epoch
        if count is not None:  # the first `count` samples of each set
            x_train, t_train, x_test, t_test = (a[:count] for a in (x_train, t_train, x_test,
                                                                    t_test))
        train_acc = self.network.accuracy(x_train, t_train)
        test_acc = self.network.accuracy(x_test, t_test)
        self.train_acc_list.append(train_acc)
        self.test_acc_list.append(test_acc)
        self._say(f"=== epoch:{self.current_epoch}, train acc:{train_acc}, "
                  f"test acc:{test_acc} ===")

    def train(self):
        for _ in range(self.max_iter):
            self.train_step()
        test_acc = self.network.accuracy(self.x_test, self.t_test)
        self._say("=============== Final Test Accuracy ===============")
        self._say(f"test acc:{test_acc}")

    def _say(self, line):
        if self.verbose:
            print(line)
