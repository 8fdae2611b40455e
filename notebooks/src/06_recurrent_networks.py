# %% [markdown]
# # 노트북 6: 순환 신경망과 어텐션 (책 2권 5~8장)
#
# "밑바닥부터 시작하는 딥러닝" 2권의 RNN, LSTM, 어텐션을 엔진 위에서 따라갑니다. 책은 시간
# 계층마다 역전파(BPTT)를 손으로 유도하지만, 여기서는 셀을 시간 단계마다 실행해 기록된
# 그래프에 `backward()`를 부를 뿐입니다. [BPTT 장](../docs/ko/bptt.md)과 같은 내용에 그림을
# 더했습니다.
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
from tinygrad_edu.sequences import Vocabulary, load_text

tg.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## RNN은 반복문
#
# `nn.RNNCell`은 한 시간 단계입니다. 반복문으로 여러 단계를 돌리면 기록된 그래프가 곧 시간
# 방향으로 펼친 신경망이고, `backward()`가 그 그래프를 거슬러 올라갑니다. 공유된 가중치
# `weight_hh`의 기울기는 모든 단계의 기울기를 더한 값이며, 수치 미분과 일치합니다.

# %%
tg.set_default_dtype(np.float64)
cell = nn.RNNCell(3, 4)
xs = Tensor(rng.standard_normal((6, 2, 3)), requires_grad=True)   # (시간, 배치, 특징)

def unrolled(x, *weights):
    h = None
    for step in x:
        h = cell(step, h)
    return (h ** 2).sum()

print(tg.gradcheck(unrolled, (xs, *cell.parameters())))

# %% [markdown]
# 세 단계만 펼친 그래프를 그려 봅니다. 같은 `weight_hh`(전치 `T`를 거쳐)가 단계마다
# 쓰이는 것이 보입니다. 역전파는 이 그림을 아래에서 위로 거슬러 가며, 한 가중치로 모이는
# 화살표의 기울기를 모두 더합니다.

# %%
short = Tensor(rng.standard_normal((3, 1, 3)), name="x")
tg.viz.draw_graph(unrolled(short), rankdir="LR")

# %% [markdown]
# ## 기울기는 시간을 거슬러 가며 사라진다
#
# 마지막 출력에 대한 손실을 각 시간 단계의 입력 `x_t`로 미분하고, 그 크기를 그려 봅니다.
# 기울기가 단계마다 `W_hh`와 tanh의 기울기를 곱하며 돌아가므로, 일반 RNN에서는 먼 과거로
# 갈수록 작아집니다(기울기 소실). LSTM의 셀 상태는 곱셈 대신 덧셈으로 이어지므로 더 멀리까지
# 기울기를 전달합니다.

# %%
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

# %%
assert norms["RNN"][0] < norms["RNN"][-1] * 1e-3   # 먼 과거로는 거의 전달되지 않는다
assert norms["LSTM"][0] > norms["RNN"][0]

# %% [markdown]
# ## 글자 단위 언어 모델
#
# 창세기(킹 제임스 번역, 퍼블릭 도메인) 앞부분으로 LSTM 언어 모델을 잠깐 학습합니다.
# 텍스트를 여러 줄기로 나누어 32글자씩 읽고, 상태는 `.detach()`로 값만 다음 조각에
# 넘깁니다(truncated BPTT). 기울기는 `nn.utils.clip_grad_norm_`으로 자릅니다. 전체 학습은
# `demos/char_lm.py`가 합니다.

# %%
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

# %%
assert np.exp(np.mean(losses[-5:])) < np.exp(np.mean(losses[:5])) * 0.6

# %% [markdown]
# ## 어텐션 가중치
#
# `nn.MultiheadAttention`은 출력과 함께 어텐션 가중치를 돌려줍니다. `is_causal=True`이면
# 각 위치는 자기 자신과 그 앞만 볼 수 있으므로, 가중치 행렬의 대각선 위가 0이 됩니다.
# 학습된 가중치의 히트맵은 `demos/seq2seq.py`가 그립니다.

# %%
attention = nn.MultiheadAttention(16, 2, batch_first=True)
sequence = Tensor(rng.standard_normal((1, 8, 16)).astype(np.float32))
_, weights = attention(sequence, sequence, sequence, is_causal=True)

plt.imshow(weights.numpy()[0], cmap="gray")
plt.xlabel("key position")
plt.ylabel("query position")
plt.show()

# %%
w = weights.numpy()[0]
assert np.allclose(w.sum(axis=1), 1.0, atol=1e-6)
assert np.allclose(np.triu(w, k=1), 0.0)
