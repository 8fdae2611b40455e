"""Write the Korean chapter notebooks in notebooks/ from the cells listed here.

    .venv/bin/python notebooks/make_notebooks.py     # rewrites notebooks/*.ipynb, without outputs

The notebooks are kept in git without outputs (tests/test_notebooks.py fails otherwise), and
this file is their source: edit a cell here, run it, and the .ipynb files follow. Cell ids are
fixed, so running it twice writes the same files. Running it also clears outputs that Jupyter
saved into the notebooks.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

FOLDER = Path(__file__).resolve().parent

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

INTRO = """
위에서부터 차례로 실행하세요(JupyterLab의 **Run > Run All Cells**). `assert`로 시작하는 셀은
결과가 노트·튜토리얼과 같은지 확인하는 셀로, 결과가 다르면 오류를 냅니다. 테스트(`make test`)가
이 노트북을 새 커널에서 처음부터 끝까지 실행해 봅니다. 오류 메시지는 영어로 나오는데, 그 뜻은
[자주 만나는 오류](../docs/ko/errors.md)에 정리되어 있습니다.
"""


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip())


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip())


IMPORTS = code("""
    import matplotlib.pyplot as plt
    import numpy as np

    import tinygrad_edu as tg
    from tinygrad_edu import Tensor
""")

SIGMOID_AND_DATA = code("""
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)

    def sigmoid(x):                       # 노트의 시그모이드 함수
        return 1.0 / (1.0 + np.exp(-x))
""")


GATES_AND_DELTA_RULE = [
    md("""
        # 1장. 퍼셉트론 게이트와 델타 규칙

        노트 003의 퍼셉트론 게이트와 노트 000의 델타 규칙을 tinygrad_edu로 다시 따라갑니다.
        [튜토리얼](../docs/ko/tutorial.md)의 1~2절과 같은 내용에 그림을 더했습니다.
    """ + INTRO),
    IMPORTS,
    md("""
        ## 퍼셉트론 게이트

        퍼셉트론은 입력에 가중치를 곱해 더하고, 그 합이 임계값 `theta`를 넘으면 1을 출력합니다.
        텐서를 쓰면 네 가지 입력을 한 번에 넣을 수 있습니다. `inputs @ w`가 각 행의 가중합이고,
        비교 연산이 0/1 출력을 만듭니다.
    """),
    code("""
        inputs = Tensor([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)

        def gate(w1, w2, theta):
            \"\"\"퍼셉트론: x1 * w1 + x2 * w2 > theta인 행은 1, 아니면 0 (행마다 값 하나).\"\"\"
            tmp = inputs @ Tensor([w1, w2])
            return (tmp > theta).numpy().astype(int)

        AND = gate(0.5, 0.5, 0.7)
        OR = gate(0.5, 0.5, 0.3)
        NAND = gate(-0.5, -0.5, -0.7)      # AND 게이트의 부호를 모두 뒤집은 것
        print(AND, OR, NAND)
    """),
    code("""
        assert AND.tolist() == [0, 0, 0, 1]
        assert OR.tolist() == [0, 1, 1, 1]
        assert NAND.tolist() == [1, 1, 1, 0]
    """),
    md("""
        게이트 하나는 입력 평면을 직선 `w1 x1 + w2 x2 = theta` 하나로 나눕니다. 직선의 한쪽은 0,
        다른 쪽은 1입니다(빨간 점이 출력 1).
    """),
    code("""
        gates = {"AND": (0.5, 0.5, 0.7, AND), "OR": (0.5, 0.5, 0.3, OR),
                 "NAND": (-0.5, -0.5, -0.7, NAND)}
        points = inputs.numpy()
        x1 = np.linspace(-0.5, 1.5, 2)
        fig, axes = plt.subplots(1, 3, figsize=(9, 3))
        for ax, (name, (w1, w2, theta, output)) in zip(axes, gates.items()):
            ax.scatter(points[:, 0], points[:, 1], c=output, cmap="coolwarm", vmin=0, vmax=1,
                       s=150, edgecolors="black")
            ax.plot(x1, (theta - w1 * x1) / w2, "k--")      # w1 x1 + w2 x2 = theta
            ax.set(title=name, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", ylabel="x2")
        plt.tight_layout()
        plt.show()
    """),
    md("""
        XOR은 입력 중 정확히 하나만 1일 때 1입니다. 직선 하나로는 나눌 수 없으므로, 노트처럼 층을
        둘로 쌓습니다. OR과 NAND의 출력을 AND에 넣습니다.
    """),
    code("""
        hidden = Tensor(np.stack([OR, NAND], axis=1), dtype=np.float32)    # 1층: OR, NAND
        XOR = ((hidden @ Tensor([0.5, 0.5])) > 0.7).numpy().astype(int)      # 2층: AND
        print(XOR)
    """),
    code("""
        assert XOR.tolist() == [0, 1, 1, 0]
    """),
    md("""
        비교 연산은 계단 함수라서 쓸모 있는 기울기가 없습니다. 그래서 엔진은 비교를 계산 그래프에
        넣지 않습니다. 가중치를 *학습*하려면 매끄러운 활성화 함수, 시그모이드 함수가 필요합니다.

        ## 델타 규칙

        노트 000은 시그모이드 뉴런 하나, `y = sigmoid(W x)`를 학습시킵니다. 입력의 세 번째 열은
        항상 1이어서 편향 역할을 하고, 정답 `D`는 첫 번째 열입니다.
    """),
    SIGMOID_AND_DATA,
    code("""
        D = np.array([[0], [0], [1], [1]], dtype=np.float64)
        np.random.seed(0)
        W0 = 2 * np.random.random((1, 3)) - 1      # 노트의 시작점: [-1, 1) 범위의 균등 분포
        alpha = 0.9                                # 학습률
    """),
    md("""
        샘플 하나에 대해 노트는 오차 `e`, *델타*, 가중치 변화량을 차례로 구합니다. 델타
        `y * (1 - y) * e`는 오차제곱 `E = (d - y)^2 / 2`의 기울기에서 나옵니다. 연쇄법칙으로
        `dE/dW = -(d - y) * y (1 - y) * x`이므로, `delta * x`는 기울기에 마이너스를 붙인 것입니다.
    """),
    code("""
        x, d = X[2], D[2]
        y = sigmoid(np.matmul(W0, x))
        e = d - y
        delta = y * (1 - y) * e           # 노트 000: calc_error
        dW = alpha * delta * x            # 노트 000: delta_GD
        print(delta, dW)
    """),
    md("""
        tinygrad_edu에서는 오차만 쓰면 되고, 기울기는 `backward()`가 구합니다.
    """),
    code("""
        W = Tensor(W0.copy(), requires_grad=True, name="W")
        y_t = (W @ x).sigmoid()
        y_t.name = "y"
        E = 0.5 * ((d - y_t) ** 2).sum()
        E.name = "E"
        E.backward(retain_graph=True)     # W.grad에 dE/dW를 채웁니다 (그래프의 값은 아래 그림을 위해 남깁니다)
        print(W.grad)
    """),
    code("""
        assert np.allclose(W.grad.numpy(), -delta * x)          # 노트의 델타에 마이너스 부호
        assert np.allclose(-alpha * W.grad.numpy(), dW)          # 같은 가중치 변화량
    """),
    md("""
        방금 기록된 계산 그래프입니다. 상자는 텐서, 타원은 연산이고, 화살표를 따라 순전파가
        흐릅니다. `show_grads=True`로 그리면 빨간 `grad` 줄에 각 텐서의 기울기가 나옵니다. `W`의
        기울기가 바로 `-delta * x`입니다.
    """),
    code("""
        tg.viz.draw_graph(E, show_values=True, show_grads=True)
    """),
    md("""
        ## 학습 루프: 손으로 vs backward()

        노트의 `delta_GD`와, 두 델타 줄을 `backward()`로 바꾼 같은 루프를 나란히 1000에폭
        돌립니다. 에폭마다 오차제곱합을 기록해서 그래프로 그립니다.
    """),
    code("""
        def delta_GD(W, X, D, alpha):                 # 노트 000, 손으로 계산
            for k in range(4):
                x = X[k, :].T
                d = D[k]
                y = sigmoid(np.matmul(W, x))
                delta = y * (1 - y) * (d - y)
                dW = alpha * delta * x
                W = W + dW
            return W

        def delta_GD_autodiff(W, X, D, alpha):        # 같은 것을 backward()로
            for k in range(4):
                y = (W @ X[k]).sigmoid()
                E = 0.5 * ((D[k] - y) ** 2).sum()
                W.grad = None                         # 이전 샘플의 기울기는 잊습니다
                E.backward()
                with tg.no_grad():                    # 갱신은 기록하지 않습니다
                    W -= alpha * W.grad
            return W

        W_hand = W0.copy()
        W_auto = Tensor(W0.copy(), requires_grad=True)
        errors = []
        for _ in range(1000):                                  # 1000에폭
            W_hand = delta_GD(W_hand, X, D, alpha)
            W_auto = delta_GD_autodiff(W_auto, X, D, alpha)
            errors.append(0.5 * ((D.ravel() - sigmoid(X @ W_hand.T).ravel()) ** 2).sum())
        print(sigmoid(X @ W_hand.T).ravel().round(3))
    """),
    code("""
        plt.figure(figsize=(5, 3))
        plt.plot(errors)
        plt.yscale("log")
        plt.xlabel("epoch")
        plt.ylabel("sum of squared errors")
        plt.title("delta rule, target = first column")
        plt.show()
    """),
    code("""
        assert np.allclose(W_hand, W_auto.numpy())            # 매 단계 같은 가중치
        assert ((sigmoid(X @ W_hand.T).ravel() > 0.5) == [0, 0, 1, 1]).all()
        assert errors[-1] < errors[0] / 10                    # 오차가 줄었습니다
    """),
    md("""
        두 가지를 기억하세요. `.grad`는 `backward()`를 부를 때마다 누적되므로 샘플마다
        `W.grad = None`으로 초기화합니다. 그리고 갱신은 `tg.no_grad()` 안에서 합니다. 그 밖에서
        `W -= ...`를 하면 오류가 납니다([오류 설명](../docs/ko/errors.md#in-place)).

        다음 장([02_xor_and_backprop.ipynb](02_xor_and_backprop.ipynb))에서는 같은 뉴런으로 XOR을
        학습시켜 보고, 왜 실패하는지, 층을 하나 더하면 어떻게 되는지 봅니다.
    """),
]


XOR_AND_BACKPROP = [
    md("""
        # 2장. XOR과 오차역전파법

        노트 001과 002를 따라갑니다. 한 층짜리 뉴런은 XOR을 학습하지 못합니다. 은닉층을 더하고,
        노트가 손으로 유도한 두 델타를 `backward()`가 그대로 계산하는 것을 확인합니다.
        [튜토리얼](../docs/ko/tutorial.md)의 3~5절과 같은 내용입니다.
    """ + INTRO),
    IMPORTS,
    SIGMOID_AND_DATA,
    md("""
        ## 한 층으로는 왜 안 되는가

        1장의 델타 규칙 루프(`backward()` 버전)를 XOR 정답 `[0, 1, 1, 0]`으로 돌립니다.
    """),
    code("""
        def delta_GD_autodiff(W, X, D, alpha):
            for k in range(4):
                y = (W @ X[k]).sigmoid()
                E = 0.5 * ((D[k] - y) ** 2).sum()
                W.grad = None
                E.backward()
                with tg.no_grad():
                    W -= alpha * W.grad
            return W

        np.random.seed(0)
        W0 = 2 * np.random.random((1, 3)) - 1
        D_xor = np.array([[0], [1], [1], [0]], dtype=np.float64)
        W_xor = Tensor(W0.copy(), requires_grad=True)
        for _ in range(1000):                                  # 1000에폭
            W_xor = delta_GD_autodiff(W_xor, X, D_xor, 0.9)

        out = (Tensor(X) @ W_xor.T).sigmoid().numpy().ravel()
        print(out.round(3))
    """),
    code("""
        assert not ((out > 0.5) == [0, 1, 1, 0]).all()      # XOR을 맞히지 못합니다
        assert np.abs(out - 0.5).max() < 0.1                 # 모두 0.5 근처에서 망설입니다
    """),
    md("""
        뉴런의 출력을 입력 평면 전체에 칠해 보면 이유가 보입니다. 뉴런 하나는 직선 하나로만 나눌 수
        있는데, XOR의 1(빨간 점)과 0(파란 점)은 마주 보는 꼭짓점에 있습니다.
    """),
    code("""
        grid = np.linspace(-0.25, 1.25, 61)
        g1, g2 = np.meshgrid(grid, grid)
        plane = np.stack([g1.ravel(), g2.ravel(), np.ones(g1.size)], axis=1)   # 편향 열 1

        def show_plane(predict, title):
            plt.figure(figsize=(4, 3.5))
            plt.contourf(g1, g2, predict(plane).reshape(g1.shape), levels=20, cmap="coolwarm",
                         vmin=0, vmax=1)
            plt.colorbar(label="output")
            plt.scatter(X[:, 0], X[:, 1], c=D_xor.ravel(), cmap="coolwarm", s=150,
                        edgecolors="black")
            plt.xlabel("x1")
            plt.ylabel("x2")
            plt.title(title)
            plt.show()

        show_plane(lambda p: sigmoid(p @ W_xor.numpy().T), "one neuron on XOR")
    """),
    md("""
        ## 손으로 하는 오차역전파법: 노트 002의 두 델타

        은닉층의 정답은 모르지만, 출력의 델타를 가중치를 거쳐 거꾸로 보내면 은닉층의 델타가
        됩니다. 노트 002는 배치 전체에 대해 이렇게 씁니다.
    """),
    code("""
        y_xor = D_xor
        np.random.seed(1)                                     # 노트 002가 쓰는 시드
        synapse_0 = 2 * np.random.random((3, 4)) - 1
        synapse_1 = 2 * np.random.random((4, 1)) - 1

        layer_1 = sigmoid(np.dot(X, synapse_0))
        layer_2 = sigmoid(np.dot(layer_1, synapse_1))
        layer_2_delta = (layer_2 - y_xor) * (layer_2 * (1 - layer_2))
        layer_1_delta = layer_2_delta.dot(synapse_1.T) * (layer_1 * (1 - layer_1))
        grad_1 = layer_1.T.dot(layer_2_delta)                 # 노트가 synapse_1에서 빼는 양
        grad_0 = X.T.dot(layer_1_delta)                       # 노트가 synapse_0에서 빼는 양
    """),
    md("""
        ## 같은 것을 backward()로

        순전파만 씁니다. `retain_grad()`로 중간 텐서의 기울기를 남겨 두면, 노트의 델타와 비교할 수
        있습니다. 델타란 "층의 입력에 대한 오차의 기울기"입니다.
    """),
    code("""
        S0 = Tensor(synapse_0.copy(), requires_grad=True, name="synapse_0")
        S1 = Tensor(synapse_1.copy(), requires_grad=True, name="synapse_1")
        X_t = Tensor(X, name="X")

        z1 = X_t @ S0                  # 은닉층, 시그모이드 이전
        z2 = z1.sigmoid() @ S1         # 출력층, 시그모이드 이전
        z1.name, z2.name = "z1", "z2"
        z1.retain_grad()
        z2.retain_grad()
        layer_2_t = z2.sigmoid()
        E = 0.5 * ((layer_2_t - y_xor) ** 2).sum()
        E.name = "E"
        E.backward()
    """),
    code("""
        assert np.allclose(z2.grad.numpy(), layer_2_delta)    # 출력층의 델타
        assert np.allclose(z1.grad.numpy(), layer_1_delta)    # 은닉층의 델타
        assert np.allclose(S1.grad.numpy(), grad_1)
        assert np.allclose(S0.grad.numpy(), grad_0)
    """),
    md("""
        기록된 계산 그래프와 기울기입니다. `z2`의 `grad`가 `layer_2_delta`, `z1`의 `grad`가
        `layer_1_delta`입니다.
    """),
    code("""
        tg.viz.draw_graph(E, show_grads=True)
    """),
    md("""
        `backward()`는 이 그래프를 *위상 정렬* 순서로, `E`에서 가중치 쪽으로 거꾸로 방문하며
        연산마다 국소적인 미분을 적용합니다. 연쇄법칙을 한 고리씩 적용하는 것입니다.
    """),
    code("""
        order = tg.autograd.topological_order([E])
        names = [t.name or type(t._ctx).__name__ for t in order]
        print(names)
    """),
    code("""
        assert order[-1] is E                                   # 출력이 맨 끝
        assert names.index("synapse_0") < names.index("z1") < names.index("z2")   # 입력이 먼저
    """),
    md("""
        ## 나란히 학습시키기

        노트 002의 갱신과 학습률 `alpha = 10`으로 두 버전을 1000단계 학습시키고, 오차를 기록합니다.
    """),
    code("""
        alpha = 10
        s0, s1 = synapse_0.copy(), synapse_1.copy()                 # 손으로 계산
        S0 = Tensor(synapse_0.copy(), requires_grad=True)           # 자동 미분
        S1 = Tensor(synapse_1.copy(), requires_grad=True)
        errors_hand, errors_auto = [], []

        for _ in range(1000):
            layer_1 = sigmoid(np.dot(X, s0))
            layer_2 = sigmoid(np.dot(layer_1, s1))
            layer_2_delta = (layer_2 - y_xor) * (layer_2 * (1 - layer_2))
            layer_1_delta = layer_2_delta.dot(s1.T) * (layer_1 * (1 - layer_1))
            s1 -= alpha * layer_1.T.dot(layer_2_delta)
            s0 -= alpha * X.T.dot(layer_1_delta)
            errors_hand.append(0.5 * ((layer_2 - y_xor) ** 2).sum())

            out = ((X @ S0).sigmoid() @ S1).sigmoid()
            E = 0.5 * ((out - y_xor) ** 2).sum()
            S0.grad = S1.grad = None
            E.backward()
            with tg.no_grad():
                S0 -= alpha * S0.grad
                S1 -= alpha * S1.grad
            errors_auto.append(E.item())

        print(out.numpy().ravel().round(3))
    """),
    code("""
        plt.figure(figsize=(5, 3))
        plt.plot(errors_hand, label="by hand (note 002)", linewidth=4, alpha=0.5)
        plt.plot(errors_auto, "k--", label="backward()")
        plt.yscale("log")
        plt.xlabel("step")
        plt.ylabel("squared error")
        plt.legend()
        plt.show()
    """),
    code("""
        assert np.allclose(s0, S0.numpy()) and np.allclose(s1, S1.numpy())   # 같은 가중치
        assert np.allclose(errors_hand, errors_auto)
        assert ((out.numpy().ravel() > 0.5) == [0, 1, 1, 0]).all()           # XOR을 학습
    """),
    md("""
        두 층짜리 신경망은 입력 평면을 곡선으로 나눕니다.
    """),
    code("""
        def two_layers(p):
            with tg.no_grad():
                return ((p @ S0).sigmoid() @ S1).sigmoid().numpy()

        show_plane(two_layers, "two layers on XOR")
    """),
    md("""
        ## 교차 엔트로피 오차를 쓰면

        노트 001은 손실 함수를 교차 엔트로피 오차로 바꾸면 출력의 델타가 그냥 `d - y`가 된다는 것을
        손으로 보입니다. 시그모이드의 `y * (1 - y)`가 로그의 미분과 약분되기 때문입니다. 엔진도 같은
        답을 냅니다.
    """),
    code("""
        z = (X @ Tensor(synapse_0)).sigmoid() @ Tensor(synapse_1.copy(), requires_grad=True)
        z.retain_grad()
        y_out = z.sigmoid()
        loss = -(y_xor * y_out.log() + (1 - y_xor) * (1 - y_out).log()).sum()
        loss.backward()
        delta = y_xor - y_out.numpy()                       # 노트 001: calcDelta_ce
    """),
    code("""
        assert np.allclose(z.grad.numpy(), -delta)          # 기울기 = 노트의 델타에 마이너스
    """),
    md("""
        다음 장
        ([03_numerical_gradient_and_gradcheck.ipynb](03_numerical_gradient_and_gradcheck.ipynb))에서는
        책이 오차역전파법보다 먼저 쓰는 수치 미분으로 기울기를 구하고, 그것으로 직접 만든
        연산의 기울기를 검증합니다.
    """),
]


NUMERICAL_GRADIENT = [
    md("""
        # 3장. 수치 미분과 기울기 확인

        노트 003과 004의 수치 미분(중심 차분)과 경사 하강법을 따라가고, 수치 미분을
        `backward()`의 *검증*(`tg.gradcheck`)에 쓰는 법을 봅니다.
        [튜토리얼](../docs/ko/tutorial.md)의 6절과 같은 내용에 기울기 그림과 경사 하강법을
        더했습니다.
    """ + INTRO),
    IMPORTS,
    md("""
        ## 수치 미분

        노트의 `numerical_gradient`는 원소 하나를 `h = 1e-4`만큼 위아래로 움직여 보고
        `(f(x + h) - f(x - h)) / (2 * h)`를 계산합니다. `tg.numerical_gradient(f, x)`가 정확히
        이것입니다.
        노트 004의 `function_2`, `f(x) = x0^2 + x1^2`로 해 봅니다.
    """),
    code("""
        def function_2(x):                      # 노트 004
            return x[0] ** 2 + x[1] ** 2

        numeric = tg.numerical_gradient(function_2, np.array([-3.0, 4.0]))
        point = Tensor([-3.0, 4.0], requires_grad=True)
        function_2(point).backward()            # 같은 함수를 텐서에
        print(numeric, point.grad)
    """),
    code("""
        assert np.allclose(numeric, point.grad.numpy())
        assert np.allclose(point.grad.numpy(), [-6.0, 8.0])     # 해석적으로 2 * x
    """),
    md("""
        ## 기울기 그림

        책의 그림처럼, 평면의 여러 점에서 기울기에 마이너스를 붙인 화살표를 그립니다. 모든 점을 한
        텐서에 담으면 `backward()` 한 번으로 모든 점의 기울기를 얻습니다(각 점의 함숫값은 서로
        독립이므로, 합의 기울기가 곧 각 점의 기울기입니다).
    """),
    code("""
        grid = np.arange(-2, 2.5, 0.25)
        g0, g1 = np.meshgrid(grid, grid)
        points = Tensor(np.stack([g0.ravel(), g1.ravel()]), requires_grad=True)  # 형상 (2, N)
        function_2(points).sum().backward()
        grad = points.grad.numpy()

        plt.figure(figsize=(4.5, 4.5))
        plt.quiver(g0.ravel(), g1.ravel(), -grad[0], -grad[1], angles="xy", color="#666666")
        plt.xlabel("x0")
        plt.ylabel("x1")
        plt.title("minus the gradient of x0^2 + x1^2")
        plt.show()
    """),
    code("""
        assert np.allclose(grad, 2 * points.numpy())
        corner = np.array([grid[0], grid[0]])                  # 한 점은 수치 미분으로도 확인
        assert np.allclose(tg.numerical_gradient(function_2, corner), grad[:, 0])
    """),
    md("""
        ## 경사 하강법

        노트 004의 `gradient_descent`는 기울기에 학습률 `lr`을 곱해 빼는 것을 `step_num`번
        반복합니다. 노트처럼 수치 미분으로 한 번, `backward()`로 한 번 돌리고 지나온 길을
        기록합니다.
    """),
    code("""
        def gradient_descent_numeric(f, init_x, lr=0.01, step_num=100):    # 노트 004
            x = init_x.copy()
            path = [x.copy()]
            for _ in range(step_num):
                grad = tg.numerical_gradient(f, x)
                x -= lr * grad
                path.append(x.copy())
            return x, np.array(path)

        def gradient_descent_autodiff(f, init_x, lr=0.01, step_num=100):
            x = Tensor(init_x.copy(), requires_grad=True)
            path = [x.numpy().copy()]
            for _ in range(step_num):
                x.grad = None
                f(x).backward()
                with tg.no_grad():
                    x -= lr * x.grad
                path.append(x.numpy().copy())
            return x.numpy(), np.array(path)

        init_x = np.array([-3.0, 4.0])
        x_numeric, path_numeric = gradient_descent_numeric(function_2, init_x, lr=0.1)
        x_auto, path_auto = gradient_descent_autodiff(function_2, init_x, lr=0.1)
        print(x_numeric, x_auto)
    """),
    code("""
        circle = np.linspace(0, 2 * np.pi, 200)
        plt.figure(figsize=(4.5, 4.5))
        for radius in (1, 2, 3, 4, 5):
            plt.plot(radius * np.cos(circle), radius * np.sin(circle), color="#dddddd")
        plt.plot(path_numeric[:, 0], path_numeric[:, 1], "o", color="#1f77b4", label="numeric")
        plt.plot(path_auto[:, 0], path_auto[:, 1], "k.", label="backward()")
        plt.xlabel("x0")
        plt.ylabel("x1")
        plt.legend()
        plt.axis("equal")
        plt.show()
    """),
    code("""
        assert np.allclose(path_numeric, path_auto)      # 같은 길
        assert np.abs(x_auto).max() < 1e-6               # 최솟값 (0, 0)에 도착
    """),
    md("""
        학습률은 너무 커도, 너무 작아도 안 됩니다. 책의 실험 그대로, `lr=10.0`이면 발산하고
        `lr=1e-10`이면 거의 움직이지 않습니다.
    """),
    code("""
        too_big, _ = gradient_descent_autodiff(function_2, init_x, lr=10.0)
        too_small, _ = gradient_descent_autodiff(function_2, init_x, lr=1e-10)
        print(too_big, too_small)
    """),
    code("""
        assert np.abs(too_big).min() > 1e10                  # 발산
        assert np.allclose(too_small, init_x, atol=1e-6)     # 제자리걸음
    """),
    md("""
        ## 노트 004의 SimpleNet

        노트의 NumPy 코드(`np.dot`, `np.exp`, `np.max`, `np.sum`, `np.log`)는 텐서에서도 고치지
        않고 돌아갑니다. NumPy가 그 함수들을 텐서에 넘겨주고, 텐서가 그것을 기록하기 때문입니다.
    """),
    code("""
        def softmax(a):                              # 노트의 softmax
            c = np.max(a)
            exp_a = np.exp(a - c)
            sum_exp_a = np.sum(exp_a)
            return exp_a / sum_exp_a

        def cross_entropy_error(y, t):               # 노트의 cross_entropy_error
            if y.ndim == 1:
                t = t.reshape(1, t.size)
                y = y.reshape(1, y.size)
            batch_size = y.shape[0]
            delta = 1e-7
            return -np.sum(t * np.log(y + delta)) / batch_size

        class SimpleNet:                             # 노트 004
            def __init__(self):
                self.W = np.random.randn(2, 3)

            def predict(self, x):
                return np.dot(x, self.W)

            def loss(self, x, t):
                z = self.predict(x)
                y = softmax(z)
                return cross_entropy_error(y, t)

        np.random.seed(0)
        net = SimpleNet()
        x = np.array([0.6, 0.9])
        t = np.array([0, 0, 1])
    """),
    md("""
        수치 미분은 손실을 몇 번 계산할까요? 손실 함수를 부를 때마다 세어 봅니다.
    """),
    code("""
        calls = 0

        def f(W):                  # 노트의 요령: f는 W를 무시하고 net.W를 읽습니다
            global calls
            calls += 1
            return net.loss(x, t)

        dW_numeric = tg.numerical_gradient(f, net.W)
        print(f"손실 {calls}번 계산")

        net.W = Tensor(net.W, requires_grad=True, name="W")   # 이번에는 같은 손실을 기록하면서
        loss = net.loss(x, t)
        loss.backward()                                       # 순전파 1번 + 역전파 1번
        print(net.W.grad.numpy().round(4))
    """),
    code("""
        assert calls == 2 * net.W.size                           # 가중치마다 2번
        assert np.allclose(net.W.grad.numpy(), dW_numeric, atol=1e-6)
    """),
    md("""
        노트의 NumPy 함수(`np.dot`, `np.max`, `np.exp`, `np.sum`, `np.log`)가 연산으로 기록된 계산
        그래프입니다. 빨간 `grad` 줄이 `backward()`가 구한 기울기입니다.
    """),
    code("""
        tg.viz.draw_graph(loss, show_grads=True)
    """),
    md("""
        가중치 6개일 때는 12번이지만, MNIST의 TwoLayerNet(가중치 39,760개)에서는 79,520번입니다.
        노트가 54분을 기다린 이유입니다. `backward()`는 가중치가 몇 개든 순전파 1번과 역전파
        1번입니다.

        ## gradcheck: 직접 만든 연산 검증하기

        수치 미분은 *검증* 용도로 여전히 쓸모가 있습니다. 다음은 손으로 쓴 미분에 실수(`2 * x` 대신
        `x`)가 있는 제곱 연산입니다. `tg.gradcheck`가 그것을 찾아냅니다.
    """),
    code("""
        class Square(tg.Function):
            def forward(self, x):
                self.save_for_backward(x)
                return x * x

            def backward(self, grad_output):
                (x,) = self.saved
                return grad_output * x            # 일부러 틀림: d(x^2)/dx는 2x

        x = Tensor([1.0, -2.0, 3.0], requires_grad=True, name="x")
        try:
            tg.gradcheck(Square.apply, x)
            found = False
        except tg.GradcheckError as error:
            print(error)
            found = True
    """),
    md("""
        메시지 읽는 법: 0번 입력 `x`의 기울기가 틀렸고, 가장 많이 틀린 원소는 `x[2]`입니다.
        `backward()`의 값(analytic)이 수치 미분(numeric)의 정확히 절반이니 2를 빼먹은 것입니다.
        자세한 설명은 [자주 만나는 오류](../docs/ko/errors.md#gradcheck)에 있습니다. 고쳐 봅시다.
    """),
    code("""
        class FixedSquare(Square):
            def backward(self, grad_output):
                (x,) = self.saved
                return grad_output * 2 * x

        print(tg.gradcheck(FixedSquare.apply, x))
    """),
    code("""
        assert found                                          # 틀린 미분은 걸러지고
        assert tg.gradcheck(FixedSquare.apply, x)             # 고친 미분은 통과합니다
    """),
    md("""
        다음 장([04_mnist.ipynb](04_mnist.ipynb))에서는 MNIST 손글씨 숫자로 신경망을 학습시킵니다.
    """),
]


MNIST = [
    md("""
        # 4장. MNIST

        노트의 `TwoLayerNet`을 MNIST 손글씨 숫자로 학습시킵니다.
        [튜토리얼](../docs/ko/tutorial.md)의 7~8절과 같은 내용에 그림을 더했습니다.

        **이 노트북은 빨리 돌도록 줄여 놓았습니다.** 훈련 이미지 60,000장 중 처음
        6,000장으로 2에폭만(미니배치 120개) 학습합니다. 테스트가 이 노트북을 실행하므로 몇 초 안에
        끝나도록 한 것입니다. 그래도 시험 이미지 10,000장 전체에 대한 정확도가 약 0.9에 이릅니다.
        전체 데이터로 학습하려면 아래의 `N_TRAIN`과 `EPOCHS`를 바꾸거나 `demos/mnist.py`를
        실행하세요(5에폭에 약 98%).
    """ + INTRO),
    code("""
        import matplotlib.pyplot as plt
        import numpy as np

        import tinygrad_edu as tg
        import tinygrad_edu.nn.functional as F
        from tinygrad_edu import nn, optim
        from tinygrad_edu.data import DataLoader

        N_TRAIN = 6_000      # 전체는 60_000
        EPOCHS = 2           # demos/mnist.py는 5
    """),
    md("""
        ## 데이터

        `tg.datasets.load_mnist()`는 책의 `load_mnist`처럼 NumPy 배열을 돌려줍니다(저장소의
        `data/mnist/`에 파일이 들어 있어서 인터넷 없이도 됩니다). 이미지는 `[0, 1]` 범위의 픽셀
        784개로 된 행이고, 레이블은 `0..9`의 정수입니다.
    """),
    code("""
        (x_train, t_train), (x_test, t_test) = tg.datasets.load_mnist()
        print(x_train.shape, x_train.dtype, t_train[:10])
    """),
    code("""
        assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
        assert 0.0 <= x_train.min() and x_train.max() <= 1.0
        assert set(np.unique(t_train)) == set(range(10))
    """),
    code("""
        fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
        for ax, image, label in zip(axes, x_train, t_train):
            ax.imshow(image.reshape(28, 28), cmap="gray_r")
            ax.set_title(int(label))
            ax.axis("off")
        plt.show()
    """),
    md("""
        ## 신경망

        은닉층 하나짜리 신경망을 `nn.Module`로 씁니다. `demos/mnist.py`처럼 은닉층의 활성화 함수는
        ReLU 함수입니다. 출력은 소프트맥스 이전의 점수(로짓)입니다.
    """),
    code("""
        class TwoLayerNet(nn.Module):
            def __init__(self, input_size, hidden_size, output_size):
                super().__init__()
                self.fc1 = nn.Linear(input_size, hidden_size)
                self.fc2 = nn.Linear(hidden_size, output_size)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())     # 소프트맥스 이전의 점수("로짓")

        tg.manual_seed(0)
        net = TwoLayerNet(784, 100, 10)
        print([(name, p.shape) for name, p in net.named_parameters()])
    """),
    md("""
        손실 함수 `F.cross_entropy(logits, labels)`는 소프트맥스와 교차 엔트로피 오차를 한 번에
        계산하고 배치에 대해 평균을 냅니다. 책의 `SoftmaxWithLoss`가 손으로 유도한 기울기
        `(y - t) / batch_size`와 같은지 미니배치 하나로 확인합니다.
    """),
    code("""
        logits = net(x_train[:100])
        logits.retain_grad()
        loss = F.cross_entropy(logits, t_train[:100])
        loss.name = "loss"
        loss.backward()

        y = logits.softmax(axis=1).numpy()
        t = np.eye(10)[t_train[:100]]                 # 원-핫 행
        batch_size = 100
    """),
    code("""
        assert np.allclose(logits.grad.numpy(), (y - t) / batch_size, atol=1e-7)
    """),
    md("""
        신경망의 계산 그래프입니다. `model=net`을 주면 매개변수에 `fc1.weight`처럼 모델 안의 이름이
        붙습니다.
    """),
    code("""
        tg.viz.draw_graph(loss, model=net)
    """),
    md("""
        ## 학습

        `DataLoader`가 한 에폭을 섞은 뒤 미니배치(100장)로 잘라 줍니다. 옵티마이저는 Adam, 학습률은
        0.001입니다. 단계마다 손실을, 에폭마다 훈련·시험 정확도를 기록합니다.
    """),
    code("""
        def accuracy(model, x, labels):
            with tg.no_grad():
                predicted = model(x).numpy().argmax(axis=1)
            return float((predicted == labels).mean())

        tg.manual_seed(0)
        net = TwoLayerNet(784, 100, 10)
        opt = optim.Adam(net.parameters(), lr=0.001)
        loader = DataLoader((x_train[:N_TRAIN], t_train[:N_TRAIN]), batch_size=100, shuffle=True,
                            seed=0)

        losses = []
        history = {"train": [accuracy(net, x_train[:N_TRAIN], t_train[:N_TRAIN])],
                   "test": [accuracy(net, x_test, t_test)]}
        for epoch in range(EPOCHS):
            for xb, tb in loader:
                loss = F.cross_entropy(net(xb), tb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            history["train"].append(accuracy(net, x_train[:N_TRAIN], t_train[:N_TRAIN]))
            history["test"].append(accuracy(net, x_test, t_test))
            print(f"epoch {epoch + 1}: train acc {history['train'][-1]:.3f}, "
                  f"test acc {history['test'][-1]:.3f}")
    """),
    code("""
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
        left.plot(losses)
        left.set(xlabel="step (mini-batch)", ylabel="cross-entropy loss", title="loss")
        for name, values in history.items():
            right.plot(range(len(values)), values, "o-", label=name)
        right.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1))
        right.legend()
        plt.tight_layout()
        plt.show()
    """),
    code("""
        assert history["test"][0] < 0.3               # 학습 전: 찍는 수준
        assert history["test"][-1] > 0.85             # 학습 후
        assert np.mean(losses[-20:]) < np.mean(losses[:20])
    """),
    md("""
        ## 틀린 예측 보기

        시험 이미지 중 신경망이 틀린 것을 몇 장 봅니다. 제목은 `예측 (정답)`입니다.
    """),
    code("""
        with tg.no_grad():
            predicted = net(x_test).numpy().argmax(axis=1)
        wrong = np.flatnonzero(predicted != t_test)[:10]
        fig, axes = plt.subplots(1, len(wrong), figsize=(10, 1.4))
        for ax, index in zip(axes, wrong):
            ax.imshow(x_test[index].reshape(28, 28), cmap="gray_r")
            ax.set_title(f"{predicted[index]} ({t_test[index]})")
            ax.axis("off")
        plt.show()
    """),
    code("""
        assert len(wrong) == 10 and (predicted[wrong] != t_test[wrong]).all()
    """),
    md("""
        책의 갱신 방식인 SGD를 쓰려면 옵티마이저 줄만 바꾸면 됩니다. 예를 들면
        `opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)`입니다. 책의 `TwoLayerNet` 클래스와
        학습 루프를 그대로 쓰고 싶다면 `tinygrad_edu.book`을 보세요.

        다음 장([05_convolution.ipynb](05_convolution.ipynb))에서는 합성곱 신경망(CNN)을 만듭니다.
    """),
]


CONVOLUTION = [
    md("""
        # 5장. 합성곱 신경망

        책 7장의 합성곱 계층과 풀링 계층을 tinygrad_edu의 `F.conv2d`, `F.max_pool2d`, `nn.Conv2d`,
        `nn.MaxPool2d`로 따라갑니다. 합성곱 연산을 손으로(반복문으로) 계산한 값과 비교하고,
        im2col로 합성곱이 행렬 곱 하나가 되는 것을 보고, 기울기를 수치 미분으로 확인한 다음, 작은
        합성곱 신경망(CNN)을 MNIST로 학습시킵니다.
        [튜토리얼 9절](../docs/ko/tutorial.md#9-convolutional-networks)과 같은 주제입니다.

        **마지막 학습은 빨리 돌도록 줄여 놓았습니다.** 훈련 이미지 2,000장으로 2에폭(미니배치
        40개)만 학습하고, 시험 이미지 중 처음 1,000장으로 정확도를 잽니다(약 0.85). 테스트가 이
        노트북을 실행하기 때문입니다. 아래의 `N_TRAIN`, `EPOCHS`, `N_TEST`를 늘리면 정확도가 더
        올라갑니다.
    """ + INTRO),
    code("""
        import matplotlib.pyplot as plt
        import numpy as np

        import tinygrad_edu as tg
        import tinygrad_edu.nn.functional as F
        from tinygrad_edu import Tensor, nn, optim
        from tinygrad_edu.data import DataLoader

        N_TRAIN = 2_000      # 전체는 60_000
        EPOCHS = 2
        N_TEST = 1_000       # 전체는 10_000
    """),
    md("""
        ## 합성곱 연산

        합성곱은 필터(커널)를 입력 위에서 한 칸씩 밀면서, 겹치는 원소끼리 곱해 더하는 연산입니다
        (단일 곱셈-누산). 책의 예: 4×4 입력과 3×3 필터. 먼저 반복문으로 직접 계산합니다.
    """),
    code("""
        x = np.array([[1, 2, 3, 0],
                      [0, 1, 2, 3],
                      [3, 0, 1, 2],
                      [2, 3, 0, 1]], dtype=np.float64)
        w = np.array([[2, 0, 1],
                      [0, 1, 2],
                      [1, 0, 2]], dtype=np.float64)

        def conv_loop(x, w):
            out_h, out_w = x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1
            out = np.zeros((out_h, out_w))
            for i in range(out_h):
                for j in range(out_w):
                    window = x[i:i + w.shape[0], j:j + w.shape[1]]
                    out[i, j] = (window * w).sum()    # 윈도우와 필터의 원소별 곱의 합
            return out

        print(conv_loop(x, w))
    """),
    md("""
        `F.conv2d`는 `(N, C, H, W)` 형상, 즉 (배치 크기, 채널, 높이, 너비)의 4차원 입력과
        `(FN, C, FH, FW)` 형상, 즉 (필터 개수, 채널, 필터 높이, 필터 너비)의 필터를 받습니다. 이미지
        한 장, 채널 하나, 필터 하나이므로 형상 앞에 1을 붙입니다. 편향은 필터마다 하나입니다.
    """),
    code("""
        x4 = Tensor(x.reshape(1, 1, 4, 4))
        w4 = Tensor(w.reshape(1, 1, 3, 3))
        y = F.conv2d(x4, w4)
        y_bias = F.conv2d(x4, w4, bias=Tensor([3.0]))
        print(y.shape)
        print(y.numpy()[0, 0])
        print(y_bias.numpy()[0, 0])
    """),
    code("""
        assert np.allclose(y.numpy()[0, 0], conv_loop(x, w))
        assert y.numpy()[0, 0].tolist() == [[15, 16], [6, 15]]           # 책의 결과
        assert np.allclose(y_bias.numpy(), y.numpy() + 3)                 # 편향은 모든 원소에 더함
    """),
    md("""
        ## 패딩과 스트라이드

        입력 주위를 0으로 채우는 것이 패딩, 필터를 움직이는 간격이 스트라이드입니다. 출력 크기는
        `OH = (H + 2P - FH) / S + 1`입니다(너비도 같습니다).
    """),
    code("""
        def output_size(H, FH, P, S):
            return (H + 2 * P - FH) // S + 1

        padded = F.conv2d(x4, w4, padding=1)
        image = Tensor(np.random.default_rng(0).random((1, 1, 7, 7)))
        strided = F.conv2d(image, w4, stride=2)
        print(padded.shape, strided.shape)
    """),
    code("""
        assert padded.shape[2:] == (output_size(4, 3, 1, 1),) * 2 == (4, 4)
        assert strided.shape[2:] == (output_size(7, 3, 0, 2),) * 2 == (3, 3)
    """),
    md("""
        ## im2col: 합성곱을 행렬 곱 하나로

        책은 반복문 대신 im2col을 씁니다. 필터가 닿는 윈도우 하나를 한 행으로 펼치면, 합성곱은
        그 행렬과 펼친 필터의 행렬 곱 하나가 됩니다. `F.im2col`이 이것이고, `F.conv2d`도 안에서
        이렇게 계산합니다.
    """),
    code("""
        col = F.im2col(x4, 3)                     # 윈도우 4개, 각각 3*3 = 9개의 값
        print(col.numpy())
        by_matmul = (col @ w4.reshape(1, -1).T).reshape(2, 2)
        print(by_matmul.numpy())
    """),
    code("""
        assert col.shape == (4, 9)
        assert np.allclose(col.numpy()[0], x[:3, :3].ravel())        # 첫 행 = 왼쪽 위 윈도우
        assert np.allclose(by_matmul.numpy(), conv_loop(x, w))
    """),
    md("""
        ## 풀링

        최대 풀링은 윈도우마다 가장 큰 값 하나를 남깁니다. 책의 예: 2×2 윈도우, 스트라이드 2.
        역전파에서는 기울기가 각 윈도우의 최댓값 자리로만 갑니다.
    """),
    code("""
        x_pool = Tensor(np.array([[1, 2, 1, 0],
                                  [0, 1, 2, 3],
                                  [3, 0, 1, 2],
                                  [2, 4, 0, 1]], dtype=np.float64).reshape(1, 1, 4, 4),
                        requires_grad=True)
        pooled = F.max_pool2d(x_pool, 2)
        pooled.sum().backward()
        print(pooled.numpy()[0, 0])
        print(x_pool.grad.numpy()[0, 0])
    """),
    code("""
        assert pooled.numpy()[0, 0].tolist() == [[2, 3], [4, 2]]             # 책의 결과
        is_max = x_pool.numpy() == np.kron(pooled.numpy(), np.ones((2, 2)))  # 윈도우의 최댓값 자리
        assert np.array_equal(x_pool.grad.numpy(), is_max.astype(float))
    """),
    md("""
        ## 기울기 확인

        합성곱과 풀링의 `backward()`도 3장의 `tg.gradcheck`로 수치 미분과 비교합니다. 배치 2장,
        채널 2개, 필터 3개, 패딩과 스트라이드까지 넣은 작은 float64 예입니다.
    """),
    code("""
        rng = np.random.default_rng(1)
        xs = Tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True, name="x")
        ws = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True, name="W")
        bs = Tensor(rng.standard_normal(3), requires_grad=True, name="b")
        conv_ok = tg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
                               (xs, ws, bs))
        pool_ok = tg.gradcheck(lambda x: F.max_pool2d(x, 2), xs)
        print(conv_ok, pool_ok)
    """),
    code("""
        assert conv_ok and pool_ok
    """),
    md("""
        ## 필터가 찾는 것: 특징 맵

        MNIST 숫자 하나에 손으로 만든 필터 두 개(세로 경계, 가로 경계)를 적용해 봅니다. 합성곱의
        출력(특징 맵)은 필터가 찾는 모양이 있는 곳에서 크게(빨강) 또는 작게(파랑) 나옵니다.
        `load_mnist(flatten=False)`는 이미지를 `(N, 1, 28, 28)` 형상으로 돌려줍니다.
    """),
    code("""
        (x_train, t_train), (x_test, t_test) = tg.datasets.load_mnist(flatten=False)
        print(x_train.shape)

        vertical = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float32)
        edges = Tensor(np.stack([vertical, vertical.T])[:, None])    # 형상 (2, 1, 3, 3)
        feature_maps = F.conv2d(x_train[:1], edges, padding=1)
        print(feature_maps.shape)

        fig, axes = plt.subplots(1, 3, figsize=(9, 3))
        axes[0].imshow(x_train[0, 0], cmap="gray_r")
        axes[0].set_title(f"input (label {t_train[0]})")
        names = ["vertical", "horizontal"]
        for ax, feature_map, name in zip(axes[1:], feature_maps.numpy()[0], names):
            limit = np.abs(feature_map).max()
            ax.imshow(feature_map, cmap="coolwarm", vmin=-limit, vmax=limit)
            ax.set_title(f"{name} edges")
        for ax in axes:
            ax.axis("off")
        plt.show()
    """),
    code("""
        assert x_train.shape == (60000, 1, 28, 28)
        assert feature_maps.shape == (1, 2, 28, 28)                   # 패딩 1: 크기 그대로
        assert np.allclose(feature_maps.numpy()[0, 0, 1:-1, 1:-1],    # 첫 특징 맵 = 손으로 계산
                           conv_loop(x_train[0, 0], vertical))
    """),
    md("""
        ## 합성곱 신경망 학습

        책의 SimpleConvNet을 줄인 것입니다. 합성곱(필터 8개, 5×5) → ReLU → 최대 풀링(2×2) →
        완전연결(50) → ReLU → 완전연결(10). 특징 맵의 형상은 `(N, 8, 24, 24)` → 풀링 후
        `(N, 8, 12, 12)`이고, 완전연결 계층에 넣기 전에 `(N, 8*12*12)`로 펼칩니다.
    """),
    code("""
        class SimpleConvNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 8, 5)             # (N, 1, 28, 28) -> (N, 8, 24, 24)
                self.pool = nn.MaxPool2d(2)                # -> (N, 8, 12, 12)
                self.fc1 = nn.Linear(8 * 12 * 12, 50)
                self.fc2 = nn.Linear(50, 10)

            def forward(self, x):
                h = self.pool(self.conv(x).relu())
                h = h.reshape(h.shape[0], -1)              # 펼치기
                return self.fc2(self.fc1(h).relu())

        def accuracy(model, x, labels):
            with tg.no_grad():
                predicted = model(x).numpy().argmax(axis=1)
            return float((predicted == labels).mean())

        tg.manual_seed(0)
        net = SimpleConvNet()
        print(net)
        filters_before = net.conv.weight.numpy().copy()
    """),
    code("""
        loss = F.cross_entropy(net(x_train[:5]), t_train[:5])
        tg.viz.draw_graph(loss, model=net)
    """),
    code("""
        opt = optim.Adam(net.parameters(), lr=0.003)
        loader = DataLoader((x_train[:N_TRAIN], t_train[:N_TRAIN]), batch_size=100, shuffle=True,
                            seed=0)
        losses = []
        test_acc = [accuracy(net, x_test[:N_TEST], t_test[:N_TEST])]
        for epoch in range(EPOCHS):
            for xb, tb in loader:
                loss = F.cross_entropy(net(xb), tb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            test_acc.append(accuracy(net, x_test[:N_TEST], t_test[:N_TEST]))
            print(f"epoch {epoch + 1}: test acc {test_acc[-1]:.3f}")
    """),
    code("""
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
        left.plot(losses)
        left.set(xlabel="step (mini-batch)", ylabel="cross-entropy loss", title="loss")
        right.plot(range(len(test_acc)), test_acc, "o-")
        right.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1), title="accuracy")
        plt.tight_layout()
        plt.show()
    """),
    code("""
        assert test_acc[0] < 0.3                     # 학습 전: 찍는 수준
        assert test_acc[-1] > 0.75                   # 작은 데이터로 2에폭 학습한 뒤
        assert np.mean(losses[-5:]) < np.mean(losses[:5])
    """),
    md("""
        ## 학습된 필터

        첫 합성곱 계층의 필터 8개를 학습 전(첫 줄)과 후(둘째 줄)로 그립니다. 미니배치 40개만큼의
        짧은 학습이라 눈으로는 거의 그대로로 보이므로, 셋째 줄에 학습이 바꾼 양(후 - 전)을
        그렸습니다(빨강은 커진 곳, 파랑은 작아진 곳). 데이터와 에폭을 늘려 오래 학습하면, 책에서처럼
        필터가 무작위 잡음에서 경계나 획의 방향에 반응하는 규칙적인 모양으로 바뀝니다.
    """),
    code("""
        filters_after = net.conv.weight.numpy()
        change = filters_after - filters_before
        limit = np.abs(change).max()
        fig, axes = plt.subplots(3, 8, figsize=(10, 4.2))
        for ax, before, after, delta in zip(axes.T, filters_before[:, 0], filters_after[:, 0],
                                            change[:, 0]):
            ax[0].imshow(before, cmap="gray_r")
            ax[1].imshow(after, cmap="gray_r")
            ax[2].imshow(delta, cmap="coolwarm", vmin=-limit, vmax=limit)
        for ax in axes.ravel():
            ax.axis("off")
        for row, title in zip(axes[:, 0], ["before", "after", "after - before"]):
            row.set_title(title, loc="left")
        plt.show()
    """),
    code("""
        assert filters_after.shape == (8, 1, 5, 5)
        assert not np.allclose(filters_after, filters_before)       # 필터가 학습되었습니다
    """),
    md("""
        여기까지가 노트가 따라간 길입니다. 더 읽을 거리는 [튜토리얼](../docs/ko/tutorial.md)의
        "다음으로 읽을 것"에 있습니다.
    """),
]


RECURRENT = [
    md("""
        # 6장. 순환 신경망과 어텐션: 유도하지 않는 시간 역전파

        "밑바닥부터 시작하는 딥러닝" 2권의 RNN, LSTM, 어텐션을 엔진 위에서 따라갑니다. 책은 시간
        계층마다 역전파(BPTT)를 손으로 유도하지만, 여기서는 셀을 시간 단계마다 실행해 기록된
        그래프에 `backward()`를 부를 뿐입니다. [BPTT 장](../docs/ko/bptt.md)과 같은 내용에 그림을
        더했습니다.
    """ + INTRO),
    code("""
        import matplotlib.pyplot as plt
        import numpy as np

        import tinygrad_edu as tg
        import tinygrad_edu.nn.functional as F
        from tinygrad_edu import Tensor, nn, optim
        from tinygrad_edu.sequences import Vocabulary, load_text

        tg.manual_seed(0)
        rng = np.random.default_rng(0)
    """),
    md("""
        ## RNN은 반복문

        `nn.RNNCell`은 한 시간 단계입니다. 반복문으로 여러 단계를 돌리면 기록된 그래프가 곧 시간
        방향으로 펼친 신경망이고, `backward()`가 그 그래프를 거슬러 올라갑니다. 공유된 가중치
        `weight_hh`의 기울기는 모든 단계의 기울기를 더한 값이며, 수치 미분과 일치합니다.
    """),
    code("""
        tg.set_default_dtype(np.float64)
        cell = nn.RNNCell(3, 4)
        xs = Tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)   # (시간, 배치, 특징)

        def unrolled(x, *weights):
            h = None
            for step in x:
                h = cell(step, h)
            return (h ** 2).sum()

        print(tg.gradcheck(unrolled, (xs, *cell.parameters())))
    """),
    md("""
        세 단계만 펼친 그래프를 그려 봅니다. 같은 `weight_hh`(전치 `T`를 거쳐)가 단계마다
        쓰이는 것이 보입니다. 역전파는 이 그림을 아래에서 위로 거슬러 가며, 한 가중치로 모이는
        화살표의 기울기를 모두 더합니다.
    """),
    code("""
        short = Tensor(rng.standard_normal((3, 1, 3)), name="x")
        tg.viz.draw_graph(unrolled(short), rankdir="LR")
    """),
    md("""
        ## 기울기는 시간을 거슬러 가며 사라진다

        마지막 출력에 대한 손실을 각 시간 단계의 입력 `x_t`로 미분하고, 그 크기를 그려 봅니다.
        기울기가 단계마다 `W_hh`와 tanh의 기울기를 곱하며 돌아가므로, 일반 RNN에서는 먼 과거로
        갈수록 작아집니다(기울기 소실). LSTM의 셀 상태는 곱셈 대신 덧셈으로 이어지므로 더 멀리까지
        기울기를 전달합니다.
    """),
    code("""
        steps = 40
        x = Tensor(rng.standard_normal((steps, 1, 8)), requires_grad=True)
        norms = {}
        for name, layer in [("RNN", nn.RNN(8, 16)), ("LSTM", nn.LSTM(8, 16))]:
            x.grad = None
            output, _ = layer(x)
            output[-1].sum().backward()
            norms[name] = np.linalg.norm(x.grad.numpy()[:, 0], axis=1)

        plt.figure(figsize=(6, 3))
        for name, values in norms.items():
            plt.semilogy(range(steps), values, label=name)
        plt.xlabel("time step t of the input")
        plt.ylabel("|d loss / d x_t|")
        plt.legend()
        plt.show()
    """),
    code("""
        assert norms["RNN"][0] < norms["RNN"][-1] * 1e-3   # 먼 과거로는 거의 전달되지 않는다
        assert norms["LSTM"][0] > norms["RNN"][0]
    """),
    md("""
        ## 글자 단위 언어 모델

        창세기(킹 제임스 번역, 퍼블릭 도메인) 앞부분으로 LSTM 언어 모델을 잠깐 학습합니다.
        텍스트를 여러 줄기로 나누어 32글자씩 읽고, 상태는 `.detach()`로 값만 다음 조각에
        넘깁니다(truncated BPTT). 기울기는 `nn.utils.clip_grad_norm_`으로 자릅니다. 전체 학습은
        `demos/char_lm.py`가 합니다.
    """),
    code("""
        tg.set_default_dtype(np.float32)
        text = load_text()[:20_000]
        vocabulary = Vocabulary([text])
        ids = vocabulary.encode([text])[0]
        streams = ids[: len(ids) // 16 * 16].reshape(16, -1).T        # (길이, 줄기 16개)

        embed, lstm = nn.Embedding(len(vocabulary), 16), nn.LSTM(16, 64)
        head = nn.Linear(64, len(vocabulary))
        parameters = embed.parameters() + lstm.parameters() + head.parameters()
        optimizer = optim.Adam(parameters, lr=0.01)
        losses, state = [], None
        for start in range(0, len(streams) - 33, 32):
            x, t = streams[start:start + 32], streams[start + 1:start + 33]
            ys, state = lstm(embed(x), state)
            loss = F.cross_entropy(head(ys).reshape(-1, len(vocabulary)), t.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            state = (state[0].detach(), state[1].detach())
            losses.append(loss.item())

        plt.figure(figsize=(6, 3))
        plt.plot(np.exp(losses))
        plt.xlabel("step")
        plt.ylabel("perplexity")
        plt.show()
    """),
    code("""
        assert np.exp(np.mean(losses[-5:])) < np.exp(np.mean(losses[:5])) * 0.6
    """),
    md("""
        ## 어텐션 가중치

        `nn.MultiheadAttention`은 출력과 함께 어텐션 가중치를 돌려줍니다. `is_causal=True`이면
        각 위치는 자기 자신과 그 앞만 볼 수 있으므로, 가중치 행렬의 대각선 위가 0이 됩니다.
        학습된 가중치의 히트맵은 `demos/seq2seq.py`가 그립니다.
    """),
    code("""
        attention = nn.MultiheadAttention(16, 2, batch_first=True)
        sequence = Tensor(rng.standard_normal((1, 8, 16)).astype(np.float32))
        _, weights = attention(sequence, sequence, sequence, is_causal=True)

        plt.imshow(weights.numpy()[0], cmap="gray")
        plt.xlabel("key position")
        plt.ylabel("query position")
        plt.show()
    """),
    code("""
        w = weights.numpy()[0]
        assert np.allclose(w.sum(axis=1), 1.0, atol=1e-6)
        assert np.allclose(np.triu(w, k=1), 0.0)
    """),
]


NOTEBOOKS = {
    "01_gates_and_delta_rule.ipynb": GATES_AND_DELTA_RULE,
    "02_xor_and_backprop.ipynb": XOR_AND_BACKPROP,
    "03_numerical_gradient_and_gradcheck.ipynb": NUMERICAL_GRADIENT,
    "04_mnist.ipynb": MNIST,
    "05_convolution.ipynb": CONVOLUTION,
    "06_recurrent_networks.ipynb": RECURRENT,
}


def build(file_name: str) -> nbformat.NotebookNode:
    """The notebook `file_name` as nbformat builds it: no outputs, fixed cell ids."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    prefix = file_name.split("_", 1)[0]
    for number, (kind, source) in enumerate(NOTEBOOKS[file_name], start=1):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source, id=f"c{prefix}-{number:02d}"))
    nbformat.validate(notebook)
    return notebook


def main() -> None:
    for file_name in NOTEBOOKS:
        nbformat.write(build(file_name), FOLDER / file_name)
        print(f"wrote notebooks/{file_name}")


if __name__ == "__main__":
    main()
