# %% [markdown]
# # 노트북 4: MNIST로 학습하는 신경망 (책 3~5장, 노트 003·004)
#
# 노트의 `TwoLayerNet`을 MNIST 손글씨 숫자로 학습시킵니다.
# [튜토리얼](../docs/ko/tutorial.md)의 7~8절과 같은 내용에 그림을 더했습니다.
#
# **이 노트북은 빨리 돌도록 줄여 놓았습니다.** 훈련 이미지 60,000장 중 처음
# 6,000장으로 2에폭만(미니배치 120개) 학습합니다. 테스트가 이 노트북을 실행하므로 몇 초 안에
# 끝나도록 한 것입니다. 그래도 시험 이미지 10,000장 전체에 대한 정확도가 약 0.9에 이릅니다.
# 전체 데이터로 학습하려면 아래의 `N_TRAIN`과 `EPOCHS`를 바꾸거나 `demos/mnist.py`를
# 실행하세요(5에폭에 약 98%).
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
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader

N_TRAIN = 6_000      # 전체는 60_000
EPOCHS = 2           # demos/mnist.py는 5

# %% [markdown]
# ## 데이터
#
# `tg.datasets.load_mnist()`는 책의 `load_mnist`처럼 NumPy 배열을 돌려줍니다(저장소의
# `data/mnist/`에 파일이 들어 있어서 인터넷 없이도 됩니다). 이미지는 `[0, 1]` 범위의 픽셀
# 784개로 된 행이고, 레이블은 `0..9`의 정수입니다.

# %%
(x_train, t_train), (x_test, t_test) = tg.datasets.load_mnist()
print(x_train.shape, x_train.dtype, t_train[:10])

# %%
assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
assert 0.0 <= x_train.min() and x_train.max() <= 1.0
assert set(np.unique(t_train)) == set(range(10))

# %%
fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for ax, image, label in zip(axes, x_train, t_train):
    ax.imshow(image.reshape(28, 28), cmap="gray_r")
    ax.set_title(int(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 신경망
#
# 은닉층 하나짜리 신경망을 `nn.Module`로 씁니다. `demos/mnist.py`처럼 은닉층의 활성화 함수는
# ReLU 함수입니다. 출력은 소프트맥스 이전의 점수(로짓)입니다.

# %%
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

# %% [markdown]
# 손실 함수 `F.cross_entropy(logits, labels)`는 소프트맥스와 교차 엔트로피 오차를 한 번에
# 계산하고 배치에 대해 평균을 냅니다. 책의 `SoftmaxWithLoss`가 손으로 유도한 기울기
# `(y - t) / batch_size`와 같은지 미니배치 하나로 확인합니다.

# %%
logits = net(x_train[:100])
logits.retain_grad()
loss = F.cross_entropy(logits, t_train[:100])
loss.name = "loss"
loss.backward()

y = logits.softmax(axis=1).numpy()
t = np.eye(10)[t_train[:100]]                 # 원-핫 행
batch_size = 100

# %%
assert np.allclose(logits.grad.numpy(), (y - t) / batch_size, atol=1e-7)

# %% [markdown]
# 신경망의 계산 그래프입니다. `model=net`을 주면 매개변수에 `fc1.weight`처럼 모델 안의 이름이
# 붙습니다.

# %%
tg.viz.draw_graph(loss, model=net)

# %% [markdown]
# ## 학습
#
# `DataLoader`가 한 에폭을 섞은 뒤 미니배치(100장)로 잘라 줍니다. 옵티마이저는 Adam, 학습률은
# 0.001입니다. 단계마다 손실을, 에폭마다 훈련·시험 정확도를 기록합니다.

# %%
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

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(losses)
left.set(xlabel="step (mini-batch)", ylabel="cross-entropy loss", title="loss")
for name, values in history.items():
    right.plot(range(len(values)), values, "o-", label=name)
right.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1))
right.legend()
plt.tight_layout()
plt.show()

# %%
assert history["test"][0] < 0.3               # 학습 전: 찍는 수준
assert history["test"][-1] > 0.85             # 학습 후
assert np.mean(losses[-20:]) < np.mean(losses[:20])

# %% [markdown]
# ## 틀린 예측 보기
#
# 시험 이미지 중 신경망이 틀린 것을 몇 장 봅니다. 제목은 `예측 (정답)`입니다.

# %%
with tg.no_grad():
    predicted = net(x_test).numpy().argmax(axis=1)
wrong = np.flatnonzero(predicted != t_test)[:10]
fig, axes = plt.subplots(1, len(wrong), figsize=(10, 1.4))
for ax, index in zip(axes, wrong):
    ax.imshow(x_test[index].reshape(28, 28), cmap="gray_r")
    ax.set_title(f"{predicted[index]} ({t_test[index]})")
    ax.axis("off")
plt.show()

# %%
assert len(wrong) == 10 and (predicted[wrong] != t_test[wrong]).all()

# %% [markdown]
# 책의 갱신 방식인 SGD를 쓰려면 옵티마이저 줄만 바꾸면 됩니다. 예를 들면
# `opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)`입니다. 책의 `TwoLayerNet` 클래스와
# 학습 루프를 그대로 쓰고 싶다면 `tinygrad_edu.book`을 보세요.
#
# 다음 노트북([05_convolution.ipynb](05_convolution.ipynb))에서는 합성곱 신경망(CNN)을 만듭니다.
