# %% [markdown]
# # 노트북 5: 합성곱 신경망 (책 7장)
#
# 책 7장의 합성곱 계층과 풀링 계층을 tinygrad_edu의 `F.conv2d`, `F.max_pool2d`, `nn.Conv2d`,
# `nn.MaxPool2d`로 따라갑니다. 합성곱 연산을 손으로(반복문으로) 계산한 값과 비교하고,
# im2col로 합성곱이 행렬 곱 하나가 되는 것을 보고, 기울기를 수치 미분으로 확인한 다음, 작은
# 합성곱 신경망(CNN)을 MNIST로 학습시킵니다.
# [튜토리얼 9절](../docs/ko/tutorial.md#9-convolutional-networks)과 같은 주제입니다.
#
# **마지막 학습은 빨리 돌도록 줄여 놓았습니다.** 훈련 이미지 2,000장으로 2에폭(미니배치
# 40개)만 학습하고, 시험 이미지 중 처음 1,000장으로 정확도를 잽니다(약 0.85). 테스트가 이
# 노트북을 실행하기 때문입니다. 아래의 `N_TRAIN`, `EPOCHS`, `N_TEST`를 늘리면 정확도가 더
# 올라갑니다.
#
# 위에서부터 차례로 실행하세요(JupyterLab의 **Run > Run All Cells**). `assert`로 시작하는 셀은
# 결과가 노트·튜토리얼과 같은지 확인하는 셀로, 결과가 다르면 오류를 냅니다. 테스트(`make test`)가
# 이 노트북을 새 커널에서 처음부터 끝까지 실행해 봅니다. 오류 메시지는 영어로 나오는데, 그 뜻은
# [자주 만나는 오류](../docs/ko/errors.md)에 정리되어 있습니다.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.data import DataLoader

N_TRAIN = 2_000      # 전체는 60_000
EPOCHS = 2
N_TEST = 1_000       # 전체는 10_000

# %% [markdown]
# ## 합성곱 연산
#
# 합성곱은 필터(커널)를 입력 위에서 한 칸씩 밀면서, 겹치는 원소끼리 곱해 더하는 연산입니다
# (단일 곱셈-누산). 책의 예: 4×4 입력과 3×3 필터. 먼저 반복문으로 직접 계산합니다.

# %%
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

# %% [markdown]
# `F.conv2d`는 `(N, C, H, W)` 형상, 즉 (배치 크기, 채널, 높이, 너비)의 4차원 입력과
# `(FN, C, FH, FW)` 형상, 즉 (필터 개수, 채널, 필터 높이, 필터 너비)의 필터를 받습니다. 이미지
# 한 장, 채널 하나, 필터 하나이므로 형상 앞에 1을 붙입니다. 편향은 필터마다 하나입니다.

# %%
x4 = Tensor(x.reshape(1, 1, 4, 4))
w4 = Tensor(w.reshape(1, 1, 3, 3))
y = F.conv2d(x4, w4)
y_bias = F.conv2d(x4, w4, bias=Tensor([3.0]))
print(y.shape)
print(y.numpy()[0, 0])
print(y_bias.numpy()[0, 0])

# %%
assert np.allclose(y.numpy()[0, 0], conv_loop(x, w))
assert y.numpy()[0, 0].tolist() == [[15, 16], [6, 15]]           # 책의 결과
assert np.allclose(y_bias.numpy(), y.numpy() + 3)                 # 편향은 모든 원소에 더함

# %% [markdown]
# ## 패딩과 스트라이드
#
# 입력 주위를 0으로 채우는 것이 패딩, 필터를 움직이는 간격이 스트라이드입니다. 출력 크기는
# `OH = (H + 2P - FH) / S + 1`입니다(너비도 같습니다).

# %%
def output_size(H, FH, P, S):
    return (H + 2 * P - FH) // S + 1

padded = F.conv2d(x4, w4, padding=1)
image = Tensor(np.random.default_rng(0).random((1, 1, 7, 7)))
strided = F.conv2d(image, w4, stride=2)
print(padded.shape, strided.shape)

# %%
assert padded.shape[2:] == (output_size(4, 3, 1, 1),) * 2 == (4, 4)
assert strided.shape[2:] == (output_size(7, 3, 0, 2),) * 2 == (3, 3)

# %% [markdown]
# ## im2col: 합성곱을 행렬 곱 하나로
#
# 책은 반복문 대신 im2col을 씁니다. 필터가 닿는 윈도우 하나를 한 행으로 펼치면, 합성곱은
# 그 행렬과 펼친 필터의 행렬 곱 하나가 됩니다. `F.im2col`이 이것이고, `F.conv2d`도 안에서
# 이렇게 계산합니다.

# %%
col = F.im2col(x4, 3)                     # 윈도우 4개, 각각 3*3 = 9개의 값
print(col.numpy())
by_matmul = (col @ w4.reshape(1, -1).T).reshape(2, 2)
print(by_matmul.numpy())

# %%
assert col.shape == (4, 9)
assert np.allclose(col.numpy()[0], x[:3, :3].ravel())        # 첫 행 = 왼쪽 위 윈도우
assert np.allclose(by_matmul.numpy(), conv_loop(x, w))

# %% [markdown]
# ## 풀링
#
# 최대 풀링은 윈도우마다 가장 큰 값 하나를 남깁니다. 책의 예: 2×2 윈도우, 스트라이드 2.
# 역전파에서는 기울기가 각 윈도우의 최댓값 자리로만 갑니다.

# %%
x_pool = Tensor(np.array([[1, 2, 1, 0],
                          [0, 1, 2, 3],
                          [3, 0, 1, 2],
                          [2, 4, 0, 1]], dtype=np.float64).reshape(1, 1, 4, 4),
                requires_grad=True)
pooled = F.max_pool2d(x_pool, 2)
pooled.sum().backward()
print(pooled.numpy()[0, 0])
print(x_pool.grad.numpy()[0, 0])

# %%
assert pooled.numpy()[0, 0].tolist() == [[2, 3], [4, 2]]             # 책의 결과
is_max = x_pool.numpy() == np.kron(pooled.numpy(), np.ones((2, 2)))  # 윈도우의 최댓값 자리
assert np.array_equal(x_pool.grad.numpy(), is_max.astype(float))

# %% [markdown]
# ## 기울기 확인
#
# 합성곱과 풀링의 `backward()`도 노트북 3의 `tg.gradcheck`로 수치 미분과 비교합니다. 배치 2장,
# 채널 2개, 필터 3개, 패딩과 스트라이드까지 넣은 작은 float64 예입니다.

# %%
rng = np.random.default_rng(1)
xs = Tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True, name="x")
ws = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True, name="W")
bs = Tensor(rng.standard_normal(3), requires_grad=True, name="b")
conv_ok = tg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
                       (xs, ws, bs))
pool_ok = tg.gradcheck(lambda x: F.max_pool2d(x, 2), xs)
print(conv_ok, pool_ok)

# %%
assert conv_ok and pool_ok

# %% [markdown]
# ## 필터가 찾는 것: 특징 맵
#
# MNIST 숫자 하나에 손으로 만든 필터 두 개(세로 경계, 가로 경계)를 적용해 봅니다. 합성곱의
# 출력(특징 맵)은 필터가 찾는 모양이 있는 곳에서 크게(빨강) 또는 작게(파랑) 나옵니다.
# `load_mnist(flatten=False)`는 이미지를 `(N, 1, 28, 28)` 형상으로 돌려줍니다.

# %%
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

# %%
assert x_train.shape == (60000, 1, 28, 28)
assert feature_maps.shape == (1, 2, 28, 28)                   # 패딩 1: 크기 그대로
assert np.allclose(feature_maps.numpy()[0, 0, 1:-1, 1:-1],    # 첫 특징 맵 = 손으로 계산
                   conv_loop(x_train[0, 0], vertical))

# %% [markdown]
# ## 합성곱 신경망 학습
#
# 책의 SimpleConvNet을 줄인 것입니다. 합성곱(필터 8개, 5×5) → ReLU → 최대 풀링(2×2) →
# 완전연결(50) → ReLU → 완전연결(10). 특징 맵의 형상은 `(N, 8, 24, 24)` → 풀링 후
# `(N, 8, 12, 12)`이고, 완전연결 계층에 넣기 전에 `(N, 8*12*12)`로 펼칩니다.

# %%
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

# %%
loss = F.cross_entropy(net(x_train[:5]), t_train[:5])
tg.viz.draw_graph(loss, model=net)

# %%
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

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(losses)
left.set(xlabel="step (mini-batch)", ylabel="cross-entropy loss", title="loss")
right.plot(range(len(test_acc)), test_acc, "o-")
right.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1), title="accuracy")
plt.tight_layout()
plt.show()

# %%
assert test_acc[0] < 0.3                     # 학습 전: 찍는 수준
assert test_acc[-1] > 0.75                   # 작은 데이터로 2에폭 학습한 뒤
assert np.mean(losses[-5:]) < np.mean(losses[:5])

# %% [markdown]
# ## 학습된 필터
#
# 첫 합성곱 계층의 필터 8개를 학습 전(첫 줄)과 후(둘째 줄)로 그립니다. 미니배치 40개만큼의
# 짧은 학습이라 눈으로는 거의 그대로로 보이므로, 셋째 줄에 학습이 바꾼 양(후 - 전)을
# 그렸습니다(빨강은 커진 곳, 파랑은 작아진 곳). 데이터와 에폭을 늘려 오래 학습하면, 책에서처럼
# 필터가 무작위 잡음에서 경계나 획의 방향에 반응하는 규칙적인 모양으로 바뀝니다.

# %%
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

# %%
assert filters_after.shape == (8, 1, 5, 5)
assert not np.allclose(filters_after, filters_before)       # 필터가 학습되었습니다

# %% [markdown]
# 여기까지가 노트가 따라간 길입니다. 더 읽을 거리는 [튜토리얼](../docs/ko/tutorial.md)의
# "다음으로 읽을 것"에 있습니다.
