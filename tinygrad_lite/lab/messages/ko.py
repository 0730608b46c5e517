"""한국어: 실습 도구의 메시지 (튜토리얼의 용어: 가중치, 편향, 손실 함수, 기울기, 학습률, 에폭)."""

MESSAGES = {
    "report.title": "튜토리얼의 예제 신경망: Dense 3→4 (θ, b) → Dense 4→1 (δ, d1), "
                    "항등 활성화 함수,",
    "report.rule": "손실 함수 L = ½·Σ_k (y_k − q_1k)², 경사 하강법 θ ← θ − η·∂L/∂θ, "
                   "학습률 η = {lr}, {epochs} {epoch_word}, 전체 배치.",
    "word.epoch": "에폭",
    "word.epochs": "에폭",
    "report.data": "데이터: X는 3×{n} (행 = 속성, 열 = 데이터), y는 레이블 {n}개",
    "report.initial": "초기 매개변수: 가중치 W1 (4×3)과 편향 b1",
    "report.second_layer": "가중치 W2 (1×4)와 편향 d1",
    "report.forward": "초기 매개변수에서의 순전파",
    "report.gradients": "초기 매개변수에서의 기울기와 갱신 θ ← θ − η·∂L/∂θ",
    "report.column.parameter": "매개변수",
    "report.column.initial": "초깃값",
    "report.column.after": "학습 후",
    "report.loss": "손실",
    "report.epoch_loss": "  에폭 {epoch:>3}: 갱신 전 L = {loss}",
    "report.more": "  ... {what} {count}개 생략 ...",
    "report.after": "  학습 후: L = {loss}",
    "report.predictions": "학습된 신경망의 예측",
    "diverged.title": "에폭 {epoch}에서 학습이 발산했습니다: {reason}.",
    "diverged.reason.gradient": "{name}의 기울기가 {value}입니다",
    "diverged.reason.loss": "손실이 더 이상 유한한 수가 아닙니다",
    "diverged.reason.forward": "순전파가 실패했습니다: {error}",
    "diverged.largest": "  그때 가장 큰 기울기: ∂L/∂{name} = {value}",
    "diverged.losses": "  그 전 {count} {epoch_word} 동안 손실은 {first}에서 {last}(으)로 "
                       "바뀌었습니다",
    "diverged.experiment": "  튜토리얼의 기울기 폭발 실험입니다: 학습률 η = {lr}에서는 "
                           "갱신할 때마다 너무 멀리 갑니다.",
    "diverged.try": "  {hint}을(를) 시도해 보세요.  (종료 코드 {code})",
    "diverged.hint.lr": "더 작은 학습률, 예를 들어 --lr {lr}",
    "diverged.hint.first": "더 작은 입력이나 초기 매개변수 (첫 순전파부터 실패합니다)",
    "cli.error": "{prog} {command}: 오류: {message}",
    "cli.interrupted": "{prog} {command}: 중단되었습니다",
    "check.title": "검사: {formula}",
    "check.where.example": "예제 자체의 점",
    "check.where.random": "무작위 점 {k}",
    "check.right.entries": "  맞음: 성분 {entries}개가 모두 {points}개 점(예제 자체의 점과 무작위 점 "
                           "{random}개)에서 각자의 기울기와 같습니다; 가장 큰 상대 차이 {rel} "
                           "(허용 오차 {rtol})",
    "check.right": "  맞음: {points}개 점(예제 자체의 점과 무작위 점 {random}개) 모두에서 "
                   "∂{output}/∂{target}와 같습니다; 가장 큰 상대 차이 {rel} (허용 오차 {rtol})",
    "check.undefined": "  {where}에서 정의되지 않음: {reason}. 어딘가에서 유한한 수가 아닌 공식은 "
                       "결코 맞지 않습니다.",
    "check.wrong.entries": "  틀림: {points}개 점 모두에서 성분별로 비교한 결과:",
    "check.wrong": "  틀림: {points}개 점 중 {differing}개에서 ∂{output}/∂{target}와 다릅니다; "
                   "가장 크게는 {where}에서 {abs} (참 기울기 크기의 {rel}배)",
    "check.agrees.one": "  ({count}개 점에서는 일치합니다: 한 점으로는 아무것도 증명되지 않습니다.)",
    "check.agrees.many": "  ({count}개 점에서는 일치합니다: 한 점으로는 아무것도 증명되지 않습니다.)",
    "check.undefined.value": "정의되지 않음",
    "check.at_example": "  예제 자체의 점에서: 당신의 값 = {yours}, 참 ∂{output}/∂{target} = {true}",
    "check.no_slip": "  흔한 실수(부호, 상수배, 빠뜨린 경로, 바뀐 첨자, 다른 성분) 중 어느 것도 "
                     "이 차이를 설명하지 못합니다.",
    "check.correct": "  올바른 공식: ∂{output}/∂{target} = {correct}",
}
