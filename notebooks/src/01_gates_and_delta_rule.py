# %% [markdown]
# # 노트북 1: 퍼셉트론 게이트와 델타 규칙 (책 2장, 노트 000·003)
#
# 노트 003의 퍼셉트론 게이트와 노트 000의 델타 규칙을 tinygrad_edu로 다시 따라갑니다.
# [튜토리얼](../docs/ko/tutorial.md)의 1~2절과 같은 내용에 그림을 더했습니다.
#
# 위에서부터 차례로 실행하세요(JupyterLab의 **Run > Run All Cells**). `assert`로 시작하는 셀은
# 결과가 노트·튜토리얼과 같은지 확인하는 셀로, 결과가 다르면 오류를 냅니다. 테스트(`make test`)가
# 이 노트북을 새 커널에서 처음부터 끝까지 실행해 봅니다. 오류 메시지는 영어로 나오는데, 그 뜻은
# [자주 만나는 오류](../docs/ko/errors.md)에 정리되어 있습니다.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# %% [markdown]
# ## 퍼셉트론 게이트
#
# 퍼셉트론은 입력에 가중치를 곱해 더하고, 그 합이 임계값 `theta`를 넘으면 1을 출력합니다.
# 텐서를 쓰면 네 가지 입력을 한 번에 넣을 수 있습니다. `inputs @ w`가 각 행의 가중합이고,
# 비교 연산이 0/1 출력을 만듭니다.

# %%
inputs = Tensor([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)

def gate(w1, w2, theta):
    """퍼셉트론: x1 * w1 + x2 * w2 > theta인 행은 1, 아니면 0 (행마다 값 하나)."""
    tmp = inputs @ Tensor([w1, w2])
    return (tmp > theta).numpy().astype(int)

AND = gate(0.5, 0.5, 0.7)
OR = gate(0.5, 0.5, 0.3)
NAND = gate(-0.5, -0.5, -0.7)      # AND 게이트의 부호를 모두 뒤집은 것
print(AND, OR, NAND)

# %%
assert AND.tolist() == [0, 0, 0, 1]
assert OR.tolist() == [0, 1, 1, 1]
assert NAND.tolist() == [1, 1, 1, 0]

# %% [markdown]
# 게이트 하나는 입력 평면을 직선 `w1 x1 + w2 x2 = theta` 하나로 나눕니다. 직선의 한쪽은 0,
# 다른 쪽은 1입니다(빨간 점이 출력 1).

# %%
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

# %% [markdown]
# XOR은 입력 중 정확히 하나만 1일 때 1입니다. 직선 하나로는 나눌 수 없으므로, 노트처럼 층을
# 둘로 쌓습니다. OR과 NAND의 출력을 AND에 넣습니다.

# %%
hidden = Tensor(np.stack([OR, NAND], axis=1), dtype=np.float32)    # 1층: OR, NAND
XOR = ((hidden @ Tensor([0.5, 0.5])) > 0.7).numpy().astype(int)      # 2층: AND
print(XOR)

# %%
assert XOR.tolist() == [0, 1, 1, 0]

# %% [markdown]
# 비교 연산은 계단 함수라서 쓸모 있는 기울기가 없습니다. 그래서 엔진은 비교를 계산 그래프에
# 넣지 않습니다. 가중치를 *학습*하려면 매끄러운 활성화 함수, 시그모이드 함수가 필요합니다.
#
# ## 델타 규칙
#
# 노트 000은 시그모이드 뉴런 하나, `y = sigmoid(W x)`를 학습시킵니다. 입력의 세 번째 열은
# 항상 1이어서 편향 역할을 하고, 정답 `D`는 첫 번째 열입니다.

# %%
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)

def sigmoid(x):                       # 노트의 시그모이드 함수
    return 1.0 / (1.0 + np.exp(-x))

# %%
D = np.array([[0], [0], [1], [1]], dtype=np.float64)
np.random.seed(0)
W0 = 2 * np.random.random((1, 3)) - 1      # 노트의 시작점: [-1, 1) 범위의 균등 분포
alpha = 0.9                                # 학습률

# %% [markdown]
# 샘플 하나에 대해 노트는 오차 `e`, *델타*, 가중치 변화량을 차례로 구합니다. 델타
# `y * (1 - y) * e`는 오차제곱 `E = (d - y)^2 / 2`의 기울기에서 나옵니다. 연쇄법칙으로
# `dE/dW = -(d - y) * y (1 - y) * x`이므로, `delta * x`는 기울기에 마이너스를 붙인 것입니다.

# %%
x, d = X[2], D[2]
y = sigmoid(np.matmul(W0, x))
e = d - y
delta = y * (1 - y) * e           # 노트 000: calc_error
dW = alpha * delta * x            # 노트 000: delta_GD
print(delta, dW)

# %% [markdown]
# tinygrad_edu에서는 오차만 쓰면 되고, 기울기는 `backward()`가 구합니다.

# %%
W = Tensor(W0.copy(), requires_grad=True, name="W")
y_t = (W @ x).sigmoid()
y_t.name = "y"
E = 0.5 * ((d - y_t) ** 2).sum()
E.name = "E"
E.backward(retain_graph=True)     # W.grad에 dE/dW를 채웁니다 (그래프의 값은 아래 그림을 위해 남깁니다)
print(W.grad)

# %%
assert np.allclose(W.grad.numpy(), -delta * x)          # 노트의 델타에 마이너스 부호
assert np.allclose(-alpha * W.grad.numpy(), dW)          # 같은 가중치 변화량

# %% [markdown]
# 방금 기록된 계산 그래프입니다. 상자는 텐서, 타원은 연산이고, 화살표를 따라 순전파가
# 흐릅니다. `show_grads=True`로 그리면 빨간 `grad` 줄에 각 텐서의 기울기가 나옵니다. `W`의
# 기울기가 바로 `-delta * x`입니다.

# %%
tg.viz.draw_graph(E, show_values=True, show_grads=True)

# %% [markdown]
# ## 학습 루프: 손으로 vs backward()
#
# 노트의 `delta_GD`와, 두 델타 줄을 `backward()`로 바꾼 같은 루프를 나란히 1000에폭
# 돌립니다. 에폭마다 오차제곱합을 기록해서 그래프로 그립니다.

# %%
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

# %%
plt.figure(figsize=(5, 3))
plt.plot(errors)
plt.yscale("log")
plt.xlabel("epoch")
plt.ylabel("sum of squared errors")
plt.title("delta rule, target = first column")
plt.show()

# %%
assert np.allclose(W_hand, W_auto.numpy())            # 매 단계 같은 가중치
assert ((sigmoid(X @ W_hand.T).ravel() > 0.5) == [0, 0, 1, 1]).all()
assert errors[-1] < errors[0] / 10                    # 오차가 줄었습니다

# %% [markdown]
# 두 가지를 기억하세요. `.grad`는 `backward()`를 부를 때마다 누적되므로 샘플마다
# `W.grad = None`으로 초기화합니다. 그리고 갱신은 `tg.no_grad()` 안에서 합니다. 그 밖에서
# `W -= ...`를 하면 오류가 납니다([오류 설명](../docs/ko/errors.md#an-in-place-update-while-recording)).
#
# 다음 노트북([02_xor_and_backprop.ipynb](02_xor_and_backprop.ipynb))에서는 같은 뉴런으로 XOR을
# 학습시켜 보고, 왜 실패하는지, 층을 하나 더하면 어떻게 되는지 봅니다.
