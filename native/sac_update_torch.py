"""The PyTorch reference for `skill-lab bench --pytorch` (issue #12 §4): one full SAC update
(Haarnoja et al. 2018b: twin critics with target copies, tanh-Gaussian actor, automatic alpha, Polyak
averaging), the same sizes as skill-lab's bench (input 29, action 8, ReLU MLPs, Adam 3e-4), on the
CPU with one thread. Prints one JSON object: {"torch": version, "threads": 1,
"sac_update_2x256_b256_ms": median, "sac_update_2x512_b128_ms": median}.

Usage: python3 native/sac_update_torch.py [iters]
"""
import json
import math
import os
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)
INPUT, ACT = 29, 8


def mlp(inp, hidden, out):
    layers, last = [], inp
    for h in hidden:
        layers += [nn.Linear(last, h), nn.ReLU()]
        last = h
    layers.append(nn.Linear(last, out))
    return nn.Sequential(*layers)


class Sac:
    def __init__(self, hidden):
        self.policy = mlp(INPUT, hidden, 2 * ACT)
        self.q1, self.q2 = mlp(INPUT + ACT, hidden, 1), mlp(INPUT + ACT, hidden, 1)
        self.q1_target, self.q2_target = mlp(INPUT + ACT, hidden, 1), mlp(INPUT + ACT, hidden, 1)
        self.q1_target.load_state_dict(self.q1.state_dict())
        self.q2_target.load_state_dict(self.q2.state_dict())
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.target_entropy = -ACT
        self.pi_opt = torch.optim.Adam(self.policy.parameters(), lr=3e-4)
        self.q_opt = torch.optim.Adam(list(self.q1.parameters()) + list(self.q2.parameters()), lr=3e-4)
        self.a_opt = torch.optim.Adam([self.log_alpha], lr=3e-4)

    def sample(self, s):
        mean, log_std = self.policy(s).chunk(2, dim=-1)
        log_std = log_std.clamp(-20, 2)
        std = log_std.exp()
        u = mean + std * torch.randn_like(mean)
        a = torch.tanh(u)
        log_prob = (-0.5 * ((u - mean) / std) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        log_prob -= (2 * (math.log(2) - u - nn.functional.softplus(-2 * u))).sum(-1)
        return a, log_prob

    def update(self, s, a, r, s2, done, gamma=0.99, tau=0.005):
        alpha = self.log_alpha.exp().detach()
        with torch.no_grad():
            a2, logp2 = self.sample(s2)
            sa2 = torch.cat([s2, a2], -1)
            q_next = torch.min(self.q1_target(sa2), self.q2_target(sa2)).squeeze(-1)
            y = r + gamma * (1 - done) * (q_next - alpha * logp2)
        sa = torch.cat([s, a], -1)
        q_loss = 0.5 * (((self.q1(sa).squeeze(-1) - y) ** 2).mean() + ((self.q2(sa).squeeze(-1) - y) ** 2).mean())
        self.q_opt.zero_grad()
        q_loss.backward()
        self.q_opt.step()
        a_pi, logp = self.sample(s)
        sa_pi = torch.cat([s, a_pi], -1)
        q_pi = torch.min(self.q1(sa_pi), self.q2(sa_pi)).squeeze(-1)
        pi_loss = (alpha * logp - q_pi).mean()
        self.pi_opt.zero_grad()
        pi_loss.backward()
        self.pi_opt.step()
        alpha_loss = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
        self.a_opt.zero_grad()
        alpha_loss.backward()
        self.a_opt.step()
        with torch.no_grad():
            for net, target in ((self.q1, self.q1_target), (self.q2, self.q2_target)):
                for p, pt in zip(net.parameters(), target.parameters()):
                    pt.mul_(1 - tau).add_(tau * p)
        return q_loss.item()


def median_ms(hidden, batch, iters):
    sac = Sac(hidden)
    u = lambda *shape: torch.rand(*shape) * 2 - 1
    s, a, r, s2 = u(batch, INPUT), u(batch, ACT), u(batch), u(batch, INPUT)
    done = torch.zeros(batch)
    times = []
    for i in range(iters + 3):
        t0 = time.perf_counter()
        sac.update(s, a, r, s2, done)
        if i >= 3:
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return round(times[len(times) // 2], 2)


if __name__ == "__main__":
    iters = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    # Debian's torch uses whichever libblas.so.3 the alternatives point at: the reference BLAS is
    # about 15x slower than OpenBLAS (libopenblas0-pthread), so say which one ran.
    blas = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"
    if os.path.exists(blas):
        out["blas"] = os.path.realpath(blas)
    for h, b in ((256, 256), (512, 128)):
        out[f"sac_update_2x{h}_b{b}_ms"] = median_ms([h, h], b, iters)
    print(json.dumps(out))
