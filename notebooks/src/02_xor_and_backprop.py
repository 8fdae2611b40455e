# %% [markdown]
# # 노트북 2: XOR과 오차역전파법 (책 5장, 노트 001·002)
#
# 노트 001과 002를 따라갑니다. 한 층짜리 뉴런은 XOR을 학습하지 못합니다. 은닉층을 더하고,
# 노트가 손으로 유도한 두 델타를 `backward()`가 그대로 계산하는 것을 확인합니다.
# [튜토리얼](../docs/ko/tutorial.md)의 3~5절과 같은 내용입니다.
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

# %%
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)

def sigmoid(x):                       # 노트의 시그모이드 함수
    return 1.0 / (1.0 + np.exp(-x))

# %% [markdown]
# ## 한 층으로는 왜 안 되는가
#
# 노트북 1의 델타 규칙 루프(`backward()` 버전)를 XOR 정답 `[0, 1, 1, 0]`으로 돌립니다.

# %%
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

# %%
assert not ((out > 0.5) == [0, 1, 1, 0]).all()      # XOR을 맞히지 못합니다
assert np.abs(out - 0.5).max() < 0.1                 # 모두 0.5 근처에서 망설입니다

# %% [markdown]
# 뉴런의 출력을 입력 평면 전체에 칠해 보면 이유가 보입니다. 뉴런 하나는 직선 하나로만 나눌 수
# 있는데, XOR의 1(빨간 점)과 0(파란 점)은 마주 보는 꼭짓점에 있습니다.

# %%
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

# %% [markdown]
# ## 손으로 하는 오차역전파법: 노트 002의 두 델타
#
# 은닉층의 정답은 모르지만, 출력의 델타를 가중치를 거쳐 거꾸로 보내면 은닉층의 델타가
# 됩니다. 노트 002는 배치 전체에 대해 이렇게 씁니다.

# %%
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

# %% [markdown]
# ## 같은 것을 backward()로
#
# 순전파만 씁니다. `retain_grad()`로 중간 텐서의 기울기를 남겨 두면, 노트의 델타와 비교할 수
# 있습니다. 델타란 "층의 입력에 대한 오차의 기울기"입니다.

# %%
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

# %%
assert np.allclose(z2.grad.numpy(), layer_2_delta)    # 출력층의 델타
assert np.allclose(z1.grad.numpy(), layer_1_delta)    # 은닉층의 델타
assert np.allclose(S1.grad.numpy(), grad_1)
assert np.allclose(S0.grad.numpy(), grad_0)

# %% [markdown]
# 기록된 계산 그래프와 기울기입니다. `z2`의 `grad`가 `layer_2_delta`, `z1`의 `grad`가
# `layer_1_delta`입니다.

# %%
tg.viz.draw_graph(E, show_grads=True)

# %% [markdown]
# `backward()`는 이 그래프를 *위상 정렬* 순서로, `E`에서 가중치 쪽으로 거꾸로 방문하며
# 연산마다 국소적인 미분을 적용합니다. 연쇄법칙을 한 고리씩 적용하는 것입니다.

# %%
order = tg.autograd.topological_order([E])
names = [t.name or type(t._ctx).__name__ for t in order]
print(names)

# %%
assert order[-1] is E                                   # 출력이 맨 끝
assert names.index("synapse_0") < names.index("z1") < names.index("z2")   # 입력이 먼저

# %% [markdown]
# ## 나란히 학습시키기
#
# 노트 002의 갱신과 학습률 `alpha = 10`으로 두 버전을 1000단계 학습시키고, 오차를 기록합니다.

# %%
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

# %%
plt.figure(figsize=(5, 3))
plt.plot(errors_hand, label="by hand (note 002)", linewidth=4, alpha=0.5)
plt.plot(errors_auto, "k--", label="backward()")
plt.yscale("log")
plt.xlabel("step")
plt.ylabel("squared error")
plt.legend()
plt.show()

# %%
assert np.allclose(s0, S0.numpy()) and np.allclose(s1, S1.numpy())   # 같은 가중치
assert np.allclose(errors_hand, errors_auto)
assert ((out.numpy().ravel() > 0.5) == [0, 1, 1, 0]).all()           # XOR을 학습

# %% [markdown]
# 두 층짜리 신경망은 입력 평면을 곡선으로 나눕니다.

# %%
def two_layers(p):
    with tg.no_grad():
        return ((p @ S0).sigmoid() @ S1).sigmoid().numpy()

show_plane(two_layers, "two layers on XOR")

# %% [markdown]
# ## 교차 엔트로피 오차를 쓰면
#
# 노트 001은 손실 함수를 교차 엔트로피 오차로 바꾸면 출력의 델타가 그냥 `d - y`가 된다는 것을
# 손으로 보입니다. 시그모이드의 `y * (1 - y)`가 로그의 미분과 약분되기 때문입니다. 엔진도 같은
# 답을 냅니다.

# %%
z = (X @ Tensor(synapse_0)).sigmoid() @ Tensor(synapse_1.copy(), requires_grad=True)
z.retain_grad()
y_out = z.sigmoid()
loss = -(y_xor * y_out.log() + (1 - y_xor) * (1 - y_out).log()).sum()
loss.backward()
delta = y_xor - y_out.numpy()                       # 노트 001: calcDelta_ce

# %%
assert np.allclose(z.grad.numpy(), -delta)          # 기울기 = 노트의 델타에 마이너스

# %% [markdown]
# 다음 노트북
# ([03_numerical_gradient_and_gradcheck.ipynb](03_numerical_gradient_and_gradcheck.ipynb))에서는
# 책이 오차역전파법보다 먼저 쓰는 수치 미분으로 기울기를 구하고, 그것으로 직접 만든
# 연산의 기울기를 검증합니다.
