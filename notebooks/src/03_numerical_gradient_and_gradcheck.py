# %% [markdown]
# # 노트북 3: 수치 미분과 기울기 확인 (책 4장과 5.7절, 노트 003·004)
#
# 노트 003과 004의 수치 미분(중심 차분)과 경사 하강법을 따라가고, 수치 미분을
# `backward()`의 *검증*(`tg.gradcheck`)에 쓰는 법을 봅니다.
# [튜토리얼](../docs/ko/tutorial.md)의 6절과 같은 내용에 기울기 그림과 경사 하강법을
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
from tinygrad_edu import Tensor

# %% [markdown]
# ## 수치 미분
#
# 노트의 `numerical_gradient`는 원소 하나를 `h = 1e-4`만큼 위아래로 움직여 보고
# `(f(x + h) - f(x - h)) / (2 * h)`를 계산합니다. `tg.numerical_gradient(f, x)`가 정확히
# 이것입니다.
# 노트 004의 `function_2`, `f(x) = x0^2 + x1^2`로 해 봅니다.

# %%
def function_2(x):                      # 노트 004
    return x[0] ** 2 + x[1] ** 2

numeric = tg.numerical_gradient(function_2, np.array([-3.0, 4.0]))
point = Tensor([-3.0, 4.0], requires_grad=True)
function_2(point).backward()            # 같은 함수를 텐서에
print(numeric, point.grad)

# %%
assert np.allclose(numeric, point.grad.numpy())
assert np.allclose(point.grad.numpy(), [-6.0, 8.0])     # 해석적으로 2 * x

# %% [markdown]
# ## 기울기 그림
#
# 책의 그림처럼, 평면의 여러 점에서 기울기에 마이너스를 붙인 화살표를 그립니다. 모든 점을 한
# 텐서에 담으면 `backward()` 한 번으로 모든 점의 기울기를 얻습니다(각 점의 함숫값은 서로
# 독립이므로, 합의 기울기가 곧 각 점의 기울기입니다).

# %%
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

# %%
assert np.allclose(grad, 2 * points.numpy())
corner = np.array([grid[0], grid[0]])                  # 한 점은 수치 미분으로도 확인
assert np.allclose(tg.numerical_gradient(function_2, corner), grad[:, 0])

# %% [markdown]
# ## 경사 하강법
#
# 노트 004의 `gradient_descent`는 기울기에 학습률 `lr`을 곱해 빼는 것을 `step_num`번
# 반복합니다. 노트처럼 수치 미분으로 한 번, `backward()`로 한 번 돌리고 지나온 길을
# 기록합니다.

# %%
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

# %%
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

# %%
assert np.allclose(path_numeric, path_auto)      # 같은 길
assert np.abs(x_auto).max() < 1e-6               # 최솟값 (0, 0)에 도착

# %% [markdown]
# 학습률은 너무 커도, 너무 작아도 안 됩니다. 책의 실험 그대로, `lr=10.0`이면 발산하고
# `lr=1e-10`이면 거의 움직이지 않습니다.

# %%
too_big, _ = gradient_descent_autodiff(function_2, init_x, lr=10.0)
too_small, _ = gradient_descent_autodiff(function_2, init_x, lr=1e-10)
print(too_big, too_small)

# %%
assert np.abs(too_big).min() > 1e10                  # 발산
assert np.allclose(too_small, init_x, atol=1e-6)     # 제자리걸음

# %% [markdown]
# ## 노트 004의 SimpleNet
#
# 노트의 NumPy 코드(`np.dot`, `np.exp`, `np.max`, `np.sum`, `np.log`)는 텐서에서도 고치지
# 않고 돌아갑니다. NumPy가 그 함수들을 텐서에 넘겨주고, 텐서가 그것을 기록하기 때문입니다.

# %%
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

# %% [markdown]
# 수치 미분은 손실을 몇 번 계산할까요? 손실 함수를 부를 때마다 세어 봅니다.

# %%
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

# %%
assert calls == 2 * net.W.size                           # 가중치마다 2번
assert np.allclose(net.W.grad.numpy(), dW_numeric, atol=1e-6)

# %% [markdown]
# 노트의 NumPy 함수(`np.dot`, `np.max`, `np.exp`, `np.sum`, `np.log`)가 연산으로 기록된 계산
# 그래프입니다. 빨간 `grad` 줄이 `backward()`가 구한 기울기입니다.

# %%
tg.viz.draw_graph(loss, show_grads=True)

# %% [markdown]
# 가중치 6개일 때는 12번이지만, MNIST의 TwoLayerNet(가중치 39,760개)에서는 79,520번입니다.
# 노트가 54분을 기다린 이유입니다. `backward()`는 가중치가 몇 개든 순전파 1번과 역전파
# 1번입니다.
#
# ## gradcheck: 직접 만든 연산 검증하기
#
# 수치 미분은 *검증* 용도로 여전히 쓸모가 있습니다. 다음은 손으로 쓴 미분에 실수(`2 * x` 대신
# `x`)가 있는 제곱 연산입니다. `tg.gradcheck`가 그것을 찾아냅니다.

# %%
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

# %% [markdown]
# 메시지 읽는 법: 0번 입력 `x`의 기울기가 틀렸고, 가장 많이 틀린 원소는 `x[2]`입니다.
# `backward()`의 값(analytic)이 수치 미분(numeric)의 정확히 절반이니 2를 빼먹은 것입니다.
# 자세한 설명은 [자주 만나는 오류](../docs/ko/errors.md#gradcheck-fails)에 있습니다. 고쳐 봅시다.

# %%
class FixedSquare(Square):
    def backward(self, grad_output):
        (x,) = self.saved
        return grad_output * 2 * x

print(tg.gradcheck(FixedSquare.apply, x))

# %%
assert found                                          # 틀린 미분은 걸러지고
assert tg.gradcheck(FixedSquare.apply, x)             # 고친 미분은 통과합니다

# %% [markdown]
# 다음 노트북([04_mnist.ipynb](04_mnist.ipynb))에서는 MNIST 손글씨 숫자로 신경망을 학습시킵니다.
