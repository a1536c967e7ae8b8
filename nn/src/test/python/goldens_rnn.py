"""PyTorch goldens for the sequence layers: nn.LSTM, nn.LSTMCell, nn.MultiheadAttention,
nn.TransformerEncoderLayer.

Each file holds a configuration (meta), the module's state dict under "param.<name>" (PyTorch's
names, which the Java test loads strictly), the inputs, the outputs, and the gradients of the
inputs ("grad.<input>") and parameters ("grad.param.<name>") of the scalar
sum(output * r_output) + sum(other result * r_other) ..., with the random projections "r.<result>"
stored too. Dropout is 0 throughout, so the results are deterministic. Sizes stay tiny (KBs).
"""
import torch
import torch.nn as nn
from golden_io import Golden


def _project(results, g):
    """sum(result * r) over named results; stores each r; returns the scalar."""
    total = 0
    for name, t in results.items():
        r = torch.rand(t.shape) * 2 - 1
        g.tensor('r.' + name, r)
        total = total + (t * r).sum()
    return total


def _finish(g, module, inputs, results):
    for name, t in results.items():
        g.tensor(name, t)
    _project(results, g).backward()
    for name, t in inputs.items():
        if t.requires_grad:
            g.tensor('grad.' + name, t.grad)
    for name, p in module.named_parameters():
        g.tensor('grad.param.' + name, p.grad)
    g.save()


def _golden(out_dir, name, module, **meta):
    g = Golden(out_dir, name)
    for k, v in meta.items():
        g.meta(k, v)
    g.meta('state_dict_keys', ' '.join(module.state_dict().keys()))
    for k, v in module.state_dict().items():
        g.tensor('param.' + k, v)
    return g


def _lstm(out_dir, name, inp, hidden, layers, batch_first, with_state, T=4, B=3):
    m = nn.LSTM(inp, hidden, num_layers=layers, batch_first=batch_first)
    g = _golden(out_dir, name, m, input=inp, hidden=hidden, layers=layers, batch_first=batch_first,
                with_state=with_state)
    x = torch.randn((B, T, inp) if batch_first else (T, B, inp), requires_grad=True)
    g.tensor('x', x)
    inputs = {'x': x}
    if with_state:
        h0 = torch.randn(layers, B, hidden, requires_grad=True)
        c0 = torch.randn(layers, B, hidden, requires_grad=True)
        g.tensor('h0', h0).tensor('c0', c0)
        inputs.update(h0=h0, c0=c0)
        out, (h, c) = m(x, (h0, c0))
    else:
        out, (h, c) = m(x)
    _finish(g, m, inputs, {'output': out, 'h': h, 'c': c})


def _lstm_cell(out_dir, name, with_state, B=3, inp=4, hidden=5):
    m = nn.LSTMCell(inp, hidden)
    g = _golden(out_dir, name, m, input=inp, hidden=hidden, with_state=with_state)
    x = torch.randn(B, inp, requires_grad=True)
    g.tensor('x', x)
    inputs = {'x': x}
    if with_state:
        h0 = torch.randn(B, hidden, requires_grad=True)
        c0 = torch.randn(B, hidden, requires_grad=True)
        g.tensor('h0', h0).tensor('c0', c0)
        inputs.update(h0=h0, c0=c0)
        h, c = m(x, (h0, c0))
    else:
        h, c = m(x)
    _finish(g, m, inputs, {'h': h, 'c': c})


def _padding(B, S):
    """A key padding mask that blocks the last key of batch 0 and the last two of batch 1."""
    kpm = torch.zeros(B, S, dtype=torch.bool)
    kpm[0, -1] = True
    if B > 1:
        kpm[1, -2:] = True
    return kpm


def _mha(out_dir, name, E, heads, batch_first, self_attn, causal, padding, L=5, S=6, B=2):
    m = nn.MultiheadAttention(E, heads, batch_first=batch_first)
    if self_attn:
        S = L
    g = _golden(out_dir, name, m, embed=E, heads=heads, batch_first=batch_first, self_attn=self_attn,
                causal=causal, padding=padding)
    shape = lambda n: (B, n, E) if batch_first else (n, B, E)
    q = torch.randn(shape(L), requires_grad=True)
    g.tensor('query', q)
    inputs = {'query': q}
    if self_attn:
        k = v = q
    else:
        k = torch.randn(shape(S), requires_grad=True)
        v = torch.randn(shape(S), requires_grad=True)
        g.tensor('key', k).tensor('value', v)
        inputs.update(key=k, value=v)
    kpm = _padding(B, S) if padding else None
    am = torch.triu(torch.ones(L, S, dtype=torch.bool), diagonal=1) if causal else None
    if kpm is not None:
        g.tensor('key_padding_mask', kpm.float())
    out, w = m(q, k, v, key_padding_mask=kpm, attn_mask=am, need_weights=True)
    _finish(g, m, inputs, {'output': out, 'weights': w})


def _encoder(out_dir, name, activation, norm_first, batch_first, causal, padding, d=4, heads=2, ff=8, L=5, B=2):
    m = nn.TransformerEncoderLayer(d, heads, dim_feedforward=ff, dropout=0.0, activation=activation,
                                   batch_first=batch_first, norm_first=norm_first)
    g = _golden(out_dir, name, m, d_model=d, heads=heads, dim_feedforward=ff, activation=activation,
                norm_first=norm_first, batch_first=batch_first, causal=causal, padding=padding)
    src = torch.randn((B, L, d) if batch_first else (L, B, d), requires_grad=True)
    g.tensor('src', src)
    kpm = _padding(B, L) if padding else None
    am = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1) if causal else None
    if kpm is not None:
        g.tensor('key_padding_mask', kpm.float())
    out = m(src, src_mask=am, src_key_padding_mask=kpm)
    _finish(g, m, {'src': src}, {'output': out})


def generate(out_dir):
    _lstm(out_dir, 'rnn_lstm_l1', 3, 5, 1, batch_first=False, with_state=False)
    _lstm(out_dir, 'rnn_lstm_l1_bf_state', 3, 5, 1, batch_first=True, with_state=True)
    _lstm(out_dir, 'rnn_lstm_l2_state', 3, 4, 2, batch_first=False, with_state=True)
    _lstm(out_dir, 'rnn_lstm_l2_bf', 4, 3, 2, batch_first=True, with_state=False)
    _lstm_cell(out_dir, 'rnn_lstmcell', with_state=False)
    _lstm_cell(out_dir, 'rnn_lstmcell_state', with_state=True)
    _mha(out_dir, 'rnn_mha_self_h1', 8, 1, batch_first=False, self_attn=True, causal=False, padding=False)
    _mha(out_dir, 'rnn_mha_self_h4_causal_pad', 8, 4, batch_first=False, self_attn=True, causal=True, padding=True)
    _mha(out_dir, 'rnn_mha_cross_h4_pad', 8, 4, batch_first=False, self_attn=False, causal=False, padding=True)
    _mha(out_dir, 'rnn_mha_cross_h1_bf_causal', 8, 1, batch_first=True, self_attn=False, causal=True, padding=False)
    _mha(out_dir, 'rnn_mha_self_h4_bf_pad', 8, 4, batch_first=True, self_attn=True, causal=False, padding=True)
    _encoder(out_dir, 'rnn_encoder_relu_post', 'relu', norm_first=False, batch_first=False, causal=False, padding=False)
    _encoder(out_dir, 'rnn_encoder_gelu_pre', 'gelu', norm_first=True, batch_first=False, causal=True, padding=False)
    _encoder(out_dir, 'rnn_encoder_relu_pre_bf_pad', 'relu', norm_first=True, batch_first=True, causal=False,
             padding=True)
    _encoder(out_dir, 'rnn_encoder_gelu_post_bf_causal_pad', 'gelu', norm_first=False, batch_first=True, causal=True,
             padding=True)
