#!/usr/bin/env python3
"""PyTorch CPU side of `glassbox bench train`: steady-state optimizer steps per second of the
recipe `glassbox train MODEL` runs, in PyTorch, on the same real data.

Each model below is the Glassbox recipe layer for layer (widths, activations, dropout, norms),
with its batch size, optimizer and hyper-parameters, loss, gradient clipping, learning-rate
schedule and data, drawn as the recipe draws it. One step is what the recipe calls one step:
drawing and converting the batch, forward, loss, `loss.item()`, backward, clipping, the
optimizer update (and the EMA update where the recipe keeps one). Warm-up steps are excluded;
no evaluation runs. The recipes (Models/, Datasets/ and Training/ are under Sources/Glassbox;
the recipes live in Training/Catalog; model line numbers as of commit 7a421b5):

  mlp          Training/Catalog/MLPTraining.swift (MLP, Sources/Glassbox/Models/MLP.swift:16) through
               Module.fit (Sources/Glassbox/Training/Fit.swift:65): the embedded 8x8 digits
               (Sources/Glassbox/Datasets/digits.csv.gz, pixels / 16; a random 1438-sample training
               part, as Digits.load's 80 % split), batch 16, Adam lr 3e-3, cosine over 20 epochs.
  cnn          Training/Catalog/ImageClassifierTraining.swift (makeSeedCNN, Models/SeedCNN.swift:17)
  lenet        ImageClassifierTraining.swift (makeLeNet5, Models/LeNet5.swift:14)
  vgg          ImageClassifierTraining.swift (makeSmallVGG, Models/SmallVGG.swift:18)
  seqmnist     ImageClassifierTraining.swift (makeSequentialMNIST, Models/LSTMNet.swift:32)
  vit          ImageClassifierTraining.swift (makeVisionTransformer, Models/VisionTransformer.swift:71)
               The image classifiers train through trainImageClassifier (ImageClassifierTraining.swift)
               and Module.fit (Training/Fit.swift:65): the embedded 10k MNIST subset
               (Sources/Glassbox/Datasets/mnist), reshuffled every epoch, the last batch partial,
               pixels normalised with mean 0.1307 / std 0.3081, cross-entropy, Adam lr 1e-3,
               cosine over the epochs (10; vgg 8, seqmnist 5); batch 64 (vit 128); fit also
               counts the correct predictions of every batch.
  seq2seq      Training/Catalog/NumberWordsTraining.swift (Seq2Seq, Models/Seq2Seq.swift:49) through
               trainNumberWords (NumberWordsTraining.swift): fresh numbers 0-999999 every step
               (Datasets/NumberWords.swift), batch 128, Adam lr 3e-3, cosine over 2000 steps,
               grad norm clipped to 1. The 2000 held-out numbers are not excluded here (Glassbox
               draws them with its own generator; rejecting them is negligible work).
  transformer-seq2seq
               NumberWordsTraining.swift (TransformerSeq2Seq, Models/TransformerSeq2Seq.swift:25):
               as seq2seq, Adam lr 1e-3, 200 warm-up steps then cosine.
  caption      Training/Catalog/CaptionTraining.swift (Captioner, Models/Captioner.swift:23;
               the caption recipe): strips of 3 random digits of the
               embedded subset (Datasets/DigitStrips.swift), 10k strips an epoch, batch 64,
               Adam lr 1e-3, grad norm clipped to 5. The strips are built batch by batch here
               (the recipe builds an epoch's 10k at once: the same work).
  forecast     Training/Catalog/ForecastTraining.swift (Forecaster.fit, Models/Forecaster.swift:110):
               LSTM(1 -> 32) + Linear(32, 1) on standardised seasonal log differences, windows of
               12, batch 32, Adam lr 3e-3, grad norm clipped to 1. The recipe fits the airline
               series then CO2 (../shared/data/timeseries); this times the airline series (the
               step is the same).
  charlm       Training/Catalog/LanguageModelTraining.swift (CharLSTM, Models/CharLSTM.swift:13)
  gpt          LanguageModelTraining.swift (GPT, Models/GPT.swift:264; GPTBlock, GPT.swift:184)
               Both train through trainLanguageModel (Training/Recipes/LanguageModelTask.swift):
               random windows of 64 characters of the first 90 % of
               ../shared/data/shakespeare/shakespeare_1mb.txt, batch 32, Adam lr 2e-3 betas
               (0.9, 0.99), 100 warm-up steps then cosine to a tenth (over warm-up + timed steps
               here), grad norm clipped to 1, cross-entropy over every position; gpt with
               dropout 0.1 (embeddings, both residual branches).
  autoencoder  Training/Catalog/GenerativeTraining.swift (MLPAutoencoder, Models/Autoencoder.swift:43)
  vae          GenerativeTraining.swift (VAE, Models/VAE.swift:61)
               Both train through trainGenerative (GenerativeTraining.swift): the embedded 10k
               MNIST subset in [0, 1], reshuffled every epoch, batch 128, Adam lr 1e-3, summed
               BCE with logits (+ KL for the VAE).
  gan          Training/Catalog/GANTraining.swift (makeDCGANGenerator / makeDCGANDiscriminator,
               Models/DCGAN.swift:18 and :49; GAN.discriminatorLoss / generatorLoss,
               Models/GAN.swift:82 and :106): minibatch discrimination (32 kernels of 8),
               non-saturating loss, Adam(0.5, 0.999) lr 2e-4, generator EMA 0.999 (parameters
               and BatchNorm running statistics).
  wgan         GANTraining.swift: critic weights clipped to +-0.01, RMSprop lr 5e-5, 5 critic steps.
  wgan-gp      GANTraining.swift: no BatchNorm in the critic, gradient penalty 10, Adam(0.5, 0.9)
               lr 1e-4, 5 critic steps.
               The GANs train through trainGAN (GANTraining.swift): the embedded 10k subset
               in [-1, 1], reshuffled every epoch, full batches of 64. One step is one
               discriminator (critic) batch, plus the generator update every 1 (gan) or 5
               (wgan, wgan-gp) steps, as the recipe's progress bar counts them.
  ddpm         Training/Catalog/DDPMTraining.swift (trainDDPM, DDPMTraining.swift; UNet C 16 with
               attention, Models/UNet.swift:139; DDPM.loss, Models/DDPM.swift:136): the embedded
               subset in [-1, 1], batch 128, uniform steps of the linear 1e-4..0.02 schedule over
               1000, MSE on the noise, Adam lr 1e-3, grad norm clipped to 1, EMA 0.999 of the
               parameters.

`parameters` in the output is the PyTorch model's parameter count; `glassbox_parameters` is the
count `glassbox train MODEL --metrics FILE` reports for the same recipe (recorded below), and
the script exits with status 1 when they differ. Usage:

    /work/venv-torch/bin/python Benchmarks/torch_train.py MODEL [--threads N] [--steps N] [--warmup N] [--json]
"""
import argparse, gzip, json, math, os, resource, struct, sys, time

import numpy as np
import torch

nn = torch.nn
F = torch.nn.functional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMBEDDED_MNIST = os.path.join(ROOT, "Sources", "Glassbox", "Datasets", "mnist")
DIGITS_CSV = os.path.join(ROOT, "Sources", "Glassbox", "Datasets", "digits.csv.gz")
SHARED_DATA = os.path.join(ROOT, "..", "shared", "data")
CORPUS = os.path.join(SHARED_DATA, "shakespeare", "shakespeare_1mb.txt")
AIRLINE = os.path.join(SHARED_DATA, "timeseries", "airline", "Airline.csv")

# The parameter counts `glassbox train MODEL --metrics FILE` reports (its `parameters` entry) for
# each recipe's default architecture, read from short runs (the image models on a small --data
# copy of the embedded MNIST files; the counts do not depend on the data, except the language
# models' vocabulary: the 66 characters of shakespeare_1mb.txt).
GLASSBOX_PARAMETERS = {
    "mlp": 17226,
    "cnn": 225034,
    "lenet": 61706,
    "vgg": 871082,
    "seqmnist": 821770,
    "vit": 139018,
    "seq2seq": 197281,
    "transformer-seq2seq": 238817,
    "caption": 507501,
    "forecast": 4513,
    "charlm": 1221826,
    "gpt": 818432,
    "autoencoder": 944176,
    "vae": 652824,
    "gan": 2510498,
    "wgan": 904834,
    "wgan-gp": 904578,
    "ddpm": 139745,
}


# ---------------------------------------------------------------------------------------------
# Data


def peak_rss_mb():
    """This process's own peak RSS: VmHWM of /proc/self/status on Linux (ru_maxrss survives
    execve there, so it would report a larger parent's peak), else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_idx(path):
    """An IDX file (gzip-compressed) as a uint8 array of its shape."""
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def embedded_mnist():
    """The embedded 10k MNIST training subset: uint8 images [N, 28, 28], int64 labels [N]."""
    images = read_idx(os.path.join(EMBEDDED_MNIST, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(EMBEDDED_MNIST, "train-labels-idx1-ubyte.gz"))
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def normalized(images):
    """uint8 [N, 28, W] → float [N, 1, 28, W], normalised as ImageDataset.batch does (MNIST)."""
    return ((images.float() / 255 - 0.1307) / 0.3081).unsqueeze(1)


def unit_pixels(images):
    """uint8 [N, 28, W] → float [N, 1, 28, W] in [0, 1] (unitPixels, TrainGenerative.swift)."""
    return (images.float() / 255).unsqueeze(1)


class Batches:
    """Index batches of a data set as the recipes draw them: a fresh shuffle every epoch, then
    consecutive slices (the last one partial unless drop_last). `on_epoch` runs at each epoch's
    end (a per-epoch learning-rate schedule)."""

    def __init__(self, count, batch_size, drop_last=False, on_epoch=None):
        self.count, self.batch_size, self.drop_last, self.on_epoch = count, batch_size, drop_last, on_epoch
        self.steps = count // batch_size if drop_last else (count + batch_size - 1) // batch_size
        self.step = self.steps

    def next(self):
        if self.step == self.steps:
            if self.on_epoch is not None and hasattr(self, "order"):
                self.on_epoch()
            self.order = torch.randperm(self.count)
            self.step = 0
        start = self.step * self.batch_size
        self.step += 1
        return self.order[start:min(self.count, start + self.batch_size)]


# ---------------------------------------------------------------------------------------------
# Models


class LSTMNet(nn.Module):
    """makeSequentialMNIST: rows as steps, LSTM(28 → 256, 2 layers), last step, Linear(256, 10)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 256, num_layers=2, batch_first=True)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc(self.lstm(x.flatten(1, 2))[0][:, -1])


class VisionTransformer(nn.Module):
    """makeVisionTransformer: 7x7 patches, class token, learned positions, 4 pre-norm GELU layers
    (d 64, 4 heads, feed-forward 128, no dropout), final LayerNorm, class token → Linear(64, 10)."""

    def __init__(self, d=64, heads=4, layers=4, feed_forward=128, patch=7):
        super().__init__()
        self.proj = nn.Conv2d(1, d, patch, stride=patch)
        patches = (28 // patch) ** 2
        self.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + patches, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, feed_forward, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d), enable_nested_tensor=False)
        self.head = nn.Linear(d, 10)

    def forward(self, x):
        tokens = self.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(len(tokens), -1, -1), tokens], 1) + self.pos_embed
        return self.head(self.encoder(x)[:, 0])


def seed_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


def small_vgg():
    layers, channels = [], 1
    for width in (32, 64):
        for _ in range(2):
            layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
        layers += [nn.MaxPool2d(2), nn.Dropout2d(0.1)]
    layers += [nn.Flatten(), nn.Linear(64 * 7 * 7, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(256, 10)]
    return nn.Sequential(*layers)


class CharLSTM(nn.Module):
    """CharLSTM: Embedding(V, 64) → LSTM(64 → 512) → Linear(512, V)."""

    def __init__(self, vocab, embedding=64, hidden=512):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, ids):
        return self.fc(self.lstm(self.embedding(ids))[0])


class GPTBlock(nn.Module):
    """GPTBlock: pre-norm causal self-attention (fused QKV projection) and a 4x GELU MLP, residual
    dropout after each."""

    def __init__(self, d, heads, dropout):
        super().__init__()
        self.heads = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.attn_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.resid_dropout, self.mlp_dropout = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, c)
        x = x + self.resid_dropout(self.attn_proj(y))
        return x + self.mlp_dropout(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)))))


class GPT(nn.Module):
    """GPT: token and position embeddings, dropout, 4 blocks (d 128, 4 heads), final LayerNorm,
    an untied bias-free head."""

    def __init__(self, vocab, block_size=64, layers=4, heads=4, d=128, dropout=0.1):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block_size, d)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList(GPTBlock(d, heads, dropout) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * layers) if name.endswith("proj.weight") else 0.02)
            elif name.endswith("bias") and "ln" not in name:
                nn.init.zeros_(p)

    def forward(self, ids):
        x = self.drop(self.wte(ids) + self.wpe(torch.arange(ids.shape[1])))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class MLPAutoencoder(nn.Module):
    """MLPAutoencoder: 784-512-128-32 (ReLU) and back, logits of [N, 1, 28, 28]."""

    def __init__(self, latent=32):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 128), nn.ReLU(),
                                     nn.Linear(128, latent))
        self.decoder = nn.Sequential(nn.Linear(latent, 128), nn.ReLU(), nn.Linear(128, 512), nn.ReLU(),
                                     nn.Linear(512, 784), nn.Unflatten(1, (1, 28, 28)))

    def loss(self, images):
        return F.binary_cross_entropy_with_logits(self.decoder(self.encoder(images)), images, reduction="sum")


class VAE(nn.Module):
    """VAE: 784-400-(20, 20) encoder, 20-400-784 decoder (ReLU); summed BCE + KL."""

    def __init__(self, hidden=400, latent=20):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, hidden), nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.fc3, self.fc4 = nn.Linear(latent, hidden), nn.Linear(hidden, 784)

    def loss(self, images):
        x = images.reshape(len(images), 784)
        h = F.relu(self.fc1(x))
        mean, log_variance = self.fc21(h), self.fc22(h)
        z = mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)
        logits = self.fc4(F.relu(self.fc3(z)))
        reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + log_variance - mean.pow(2) - log_variance.exp())
        return reconstruction + kl


class MinibatchDiscrimination(nn.Module):
    """minibatchDiscrimination: per kernel, the summed exp(-L1 distance) to the other samples."""

    def __init__(self, in_features, kernels, kernel_dimension):
        super().__init__()
        self.kernels = kernels
        self.weight = nn.Parameter(torch.randn(in_features, kernels * kernel_dimension) * 0.1)

    def forward(self, x):
        m = (x @ self.weight).view(len(x), self.kernels, -1)
        closeness = torch.exp(-(m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(3)).sum(1) - 1
        return torch.cat([x, closeness], 1)


def dcgan_generator(latent=100, w=64):
    return nn.Sequential(
        nn.Linear(latent, 2 * w * 49), nn.Unflatten(1, (2 * w, 7, 7)), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
        nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1), nn.Tanh())


def dcgan_discriminator(w=64, batch_norm=True, minibatch_kernels=None):
    features = 2 * w * 49
    layers = [nn.Conv2d(1, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(w, 2 * w, 4, stride=2, padding=1)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(2 * w))
    layers += [nn.LeakyReLU(0.2), nn.Flatten()]
    if minibatch_kernels:
        layers.append(MinibatchDiscrimination(features, minibatch_kernels, 8))
        features += minibatch_kernels
    layers.append(nn.Linear(features, 1))
    return nn.Sequential(*layers)


def timestep_embedding(steps, dim):
    """timestepEmbedding: sin then cos of t·10000^(-i/(h-1)), i < h = dim/2."""
    h = dim // 2
    angles = steps[:, None].double() * torch.exp(-math.log(10000.0) * torch.arange(h, dtype=torch.float64) / (h - 1))
    return torch.cat([angles.sin(), angles.cos()], 1).float()


class TimeResidualBlock(nn.Module):
    def __init__(self, i, o, time, groups=8):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(groups, i), nn.Conv2d(i, o, 3, padding=1)
        self.time_proj = nn.Linear(time, o)
        self.norm2, self.conv2 = nn.GroupNorm(groups, o), nn.Conv2d(o, o, 3, padding=1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else None

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_proj(F.silu(e))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class SpatialSelfAttention(nn.Module):
    def __init__(self, channels, heads=4, groups=8):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.attention = nn.MultiheadAttention(channels, heads, batch_first=True)

    def forward(self, x):
        n, c, h, w = x.shape
        tokens = self.norm(x).reshape(n, c, h * w).transpose(1, 2)
        attended = self.attention(tokens, tokens, tokens, need_weights=False)[0]
        return x + attended.transpose(1, 2).reshape(n, c, h, w)


class UNet(nn.Module):
    """UNet (Models/UNet.swift): C 16, time dimension 64, GroupNorm(8), attention at 7x7."""

    def __init__(self, c=16):
        super().__init__()
        time = 4 * c
        self.c = c
        self.time_mlp = nn.Sequential(nn.Linear(c, time), nn.SiLU(), nn.Linear(time, time))
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)
        self.down1 = TimeResidualBlock(c, c, time)
        self.downsample1 = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down2 = TimeResidualBlock(c, 2 * c, time)
        self.downsample2 = nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.mid1 = TimeResidualBlock(2 * c, 2 * c, time)
        self.mid_attention = SpatialSelfAttention(2 * c)
        self.mid2 = TimeResidualBlock(2 * c, 2 * c, time)
        self.upsample1 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, 2 * c, 3, padding=1))
        self.up1 = TimeResidualBlock(4 * c, 2 * c, time)
        self.upsample2 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, c, 3, padding=1))
        self.up2 = TimeResidualBlock(2 * c, c, time)
        self.norm_out = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, 1, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x, steps):
        e = self.time_mlp(timestep_embedding(steps, self.c))
        s1 = self.down1(self.conv_in(x), e)
        s2 = self.down2(self.downsample1(s1), e)
        h = self.mid_attention(self.mid1(self.downsample2(s2), e))
        h = self.mid2(h, e)
        h = self.up1(torch.cat([self.upsample1(h), s2], 1), e)
        h = self.up2(torch.cat([self.upsample2(h), s1], 1), e)
        return self.conv_out(F.silu(self.norm_out(h)))


class Seq2Seq(nn.Module):
    """Seq2Seq: bidirectional GRU encoder (64 per direction, packed by length), tanh bridge to the
    decoder GRU(128), Luong (general, scale 1) attention over the padded memory, tanh combine."""

    def __init__(self, source_vocab, target_vocab, embedding=64, hidden=64):
        super().__init__()
        memory = 2 * hidden
        self.src_embed = nn.Embedding(source_vocab, embedding, padding_idx=0)
        self.encoder = nn.GRU(embedding, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(memory, memory)
        self.tgt_embed = nn.Embedding(target_vocab, embedding, padding_idx=0)
        self.decoder = nn.GRU(embedding, memory, batch_first=True)
        self.attn = nn.Linear(memory, memory, bias=False)
        self.combine = nn.Linear(2 * memory, memory, bias=False)
        self.out = nn.Linear(memory, target_vocab)

    def forward(self, source, lengths, target_input):
        b, s = source.shape
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(source), lengths, batch_first=True,
                                                   enforce_sorted=False)
        encoded, h_n = self.encoder(packed)
        memory = nn.utils.rnn.pad_packed_sequence(encoded, batch_first=True, total_length=s)[0]
        h0 = torch.tanh(self.bridge(h_n.permute(1, 0, 2).reshape(b, -1))).unsqueeze(0)
        decoded = self.decoder(self.tgt_embed(target_input), h0)[0]
        mask = torch.zeros(b, 1, s).masked_fill((source == 0).unsqueeze(1), float("-inf"))
        context = F.scaled_dot_product_attention(self.attn(decoded), memory, memory, attn_mask=mask, scale=1.0)
        return self.out(torch.tanh(self.combine(torch.cat([context, decoded], 2))))


def sinusoidal_positions(length, d):
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rates = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(length, d)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(position * rates), torch.cos(position * rates)
    return pe


class TransformerSeq2Seq(nn.Module):
    """TransformerSeq2Seq: 2 + 2 pre-norm GELU layers (d 64, 4 heads, feed-forward 256, no
    dropout), final LayerNorms, sinusoidal positions, source key-padding mask, causal decoder."""

    def __init__(self, source_vocab, target_vocab, d=64, heads=4, layers=2, feed_forward=256, max_length=64):
        super().__init__()
        self.src_embed = nn.Embedding(source_vocab, d, padding_idx=0)
        self.tgt_embed = nn.Embedding(target_vocab, d, padding_idx=0)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d, heads, feed_forward, 0.0, "gelu", batch_first=True, norm_first=True), layers,
            norm=nn.LayerNorm(d), enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(
            nn.TransformerDecoderLayer(d, heads, feed_forward, 0.0, "gelu", batch_first=True, norm_first=True), layers,
            norm=nn.LayerNorm(d))
        self.out = nn.Linear(d, target_vocab)
        self.register_buffer("positions", sinusoidal_positions(max_length, d), persistent=False)

    def forward(self, source, lengths, target_input):
        padding = source == 0
        memory = self.encoder(self.src_embed(source) + self.positions[:source.shape[1]], src_key_padding_mask=padding)
        t = target_input.shape[1]
        causal = nn.Transformer.generate_square_subsequent_mask(t)
        y = self.decoder(self.tgt_embed(target_input) + self.positions[:t], memory, tgt_mask=causal, tgt_is_causal=True,
                         memory_key_padding_mask=padding)
        return self.out(y)


class Captioner(nn.Module):
    """Captioner: CNN encoder (Conv16-Pool-Conv32-Pool-Linear(3040, 128)-Tanh), GRU(32 + 128 →
    128) decoder fed the word embedding and the image features at every step, Linear(128, 13)."""

    def __init__(self, vocab=13, embedding=32, hidden=128):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 5 * 19, hidden), nn.Tanh())
        self.embedding = nn.Embedding(vocab, embedding, padding_idx=0)
        self.decoder = nn.GRU(embedding + hidden, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, images, words):
        features = self.encoder(images)
        repeated = features.unsqueeze(1).expand(-1, words.shape[1], -1)
        return self.fc(self.decoder(torch.cat([self.embedding(words), repeated], 2), features.unsqueeze(0))[0])


class Forecaster(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.rnn = nn.LSTM(1, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, windows):
        return self.fc(self.rnn(windows)[0][:, -1])


# ---------------------------------------------------------------------------------------------
# Recipes: each returns (model whose parameters count, batch size, step() → samples processed).


def classifier(make, batch_size, epochs):
    images, labels = embedded_mnist()
    model = make()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    batches = Batches(len(labels), batch_size, on_epoch=schedule.step)
    model.train()

    def step():
        indices = batches.next()
        x, y = normalized(images[indices]), labels[indices]
        optimizer.zero_grad()
        outputs = model(x)
        loss = F.cross_entropy(outputs, y)
        loss.item()
        loss.backward()
        optimizer.step()
        (outputs.detach().argmax(1) == y).sum().item()
        return len(indices)

    return model, batch_size, step


def mlp_recipe(_):
    with gzip.open(DIGITS_CSV, "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    order = np.random.default_rng(0).permutation(len(rows))[:len(rows) - int(len(rows) * 0.2)]
    features, labels = torch.from_numpy(rows[order, :64] / 16), torch.from_numpy(rows[order, 64].astype(np.int64))
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
    batches = Batches(len(labels), 16, on_epoch=schedule.step)

    def step():
        indices = batches.next()
        x, y = features[indices], labels[indices]
        optimizer.zero_grad()
        outputs = model(x)
        loss = F.cross_entropy(outputs, y)
        loss.item()
        loss.backward()
        optimizer.step()
        (outputs.detach().argmax(1) == y).sum().item()
        return len(indices)

    return model, 16, step


def language_model(name, total_steps):
    with open(CORPUS, "rb") as f:
        text = np.frombuffer(f.read(), np.uint8)
    alphabet = np.unique(text)
    ids = np.searchsorted(alphabet, text).astype(np.int64)
    training = torch.from_numpy(ids[:len(ids) - int(len(ids) * 0.1)])
    vocab, batch_size, context, base_lr = len(alphabet), 32, 64, 2e-3
    model = CharLSTM(vocab) if name == "charlm" else GPT(vocab, dropout=0.1)
    parameters = list(model.parameters())
    optimizer = torch.optim.Adam(parameters, lr=base_lr, betas=(0.9, 0.99))
    offsets = torch.arange(context + 1)
    model.train()
    state = {"step": 0}

    def step():
        progress = min(1.0, state["step"] / total_steps)
        decay = 0.1 + 0.45 * (1 + math.cos(math.pi * progress))
        for group in optimizer.param_groups:
            group["lr"] = base_lr * min(1.0, (state["step"] + 1) / 100) * decay
        starts = torch.randint(0, len(training) - context, (batch_size,))
        windows = training[starts[:, None] + offsets]
        x, y = windows[:, :-1], windows[:, 1:]
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        loss.item()
        state["step"] += 1
        return batch_size

    return model, batch_size, step


def generative(model):
    images, _ = embedded_mnist()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = Batches(len(images), 128)
    model.train()

    def step():
        indices = batches.next()
        loss = model.loss(unit_pixels(images[indices]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
        return len(indices)

    return model, 128, step


class EMA:
    """ExponentialMovingAverage: decay min(d, (1 + n) / (10 + n)) after n updates."""

    def __init__(self, tensors, decay=0.999):
        self.tensors = [t.detach() for t in tensors]
        self.averages = [t.clone() for t in self.tensors]
        self.decay, self.updates = decay, 0

    @torch.no_grad()
    def update(self):
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        torch._foreach_lerp_(self.averages, self.tensors, 1 - d)
        self.updates += 1


def gan_recipe(name):
    images, _ = embedded_mnist()
    batch_size, latent = 64, 100
    G = dcgan_generator(latent)
    if name == "gan":
        D = dcgan_discriminator(minibatch_kernels=32)
        make_optimizer = lambda ps: torch.optim.Adam(ps, lr=2e-4, betas=(0.5, 0.999))
        critic_steps = 1
    elif name == "wgan":
        D = dcgan_discriminator()
        make_optimizer = lambda ps: torch.optim.RMSprop(ps, lr=5e-5)
        critic_steps = 5
    else:
        D = dcgan_discriminator(batch_norm=False)
        make_optimizer = lambda ps: torch.optim.Adam(ps, lr=1e-4, betas=(0.5, 0.9))
        critic_steps = 5
    d_optimizer, g_optimizer = make_optimizer(D.parameters()), make_optimizer(G.parameters())
    average = None
    if name == "gan":
        average = EMA(list(G.parameters()) + [b for n, b in G.named_buffers() if not n.endswith("num_batches_tracked")])
    model = nn.ModuleDict({"generator": G, "discriminator": D})
    model.train()
    batches = Batches(len(images), batch_size, drop_last=True)
    ones, zeros = torch.ones(batch_size, 1), torch.zeros(batch_size, 1)
    state = {"critic": 0}

    def step():
        real = unit_pixels(images[batches.next()]) * 2 - 1
        d_optimizer.zero_grad()
        with torch.no_grad():
            fake = G(torch.randn(batch_size, latent))
        if name == "gan":
            total = (F.binary_cross_entropy_with_logits(D(real), ones)
                     + F.binary_cross_entropy_with_logits(D(fake), zeros))
            estimate = None
        else:
            estimate = D(real).mean() - D(fake).mean()
            total = -estimate
            if name == "wgan-gp":
                epsilon = torch.rand(batch_size, 1, 1, 1)
                x = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
                gradient = torch.autograd.grad(D(x).sum(), x, create_graph=True)[0]
                norms = (gradient.pow(2).reshape(batch_size, -1).sum(1) + 1e-12).sqrt()
                total = ((norms - 1) ** 2).mean() * 10 - estimate
        total.backward()
        d_optimizer.step()
        if name == "wgan":
            with torch.no_grad():
                for p in D.parameters():
                    p.clamp_(-0.01, 0.01)
        total.item()
        if estimate is not None:
            estimate.item()
        state["critic"] += 1
        if state["critic"] == critic_steps:
            state["critic"] = 0
            g_optimizer.zero_grad()
            D.requires_grad_(False)
            scores = D(G(torch.randn(batch_size, latent)))
            loss = F.binary_cross_entropy_with_logits(scores, ones) if name == "gan" else -scores.mean()
            loss.backward()
            loss.item()
            D.requires_grad_(True)
            g_optimizer.step()
            if average is not None:
                average.update()
        return batch_size

    return model, batch_size, step


def ddpm_recipe(_):
    images, _ = embedded_mnist()
    model = UNet(16)
    parameters = list(model.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    average = EMA(parameters)
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    alpha_bars = torch.cumprod(1 - betas, 0)
    signal, spread = alpha_bars.sqrt().float(), (1 - alpha_bars).sqrt().float()
    batches = Batches(len(images), 128)
    model.train()

    def step():
        indices = batches.next()
        x0 = unit_pixels(images[indices]) * 2 - 1
        n = len(indices)
        t = torch.randint(0, 1000, (n,))
        noise = torch.randn_like(x0)
        noised = signal[t].view(n, 1, 1, 1) * x0 + spread[t].view(n, 1, 1, 1) * noise
        loss = F.mse_loss(model(noised, t), noise)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        average.update()
        loss.item()
        return n

    return model, 128, step


ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
TARGET_IDS = {w: i + 3 for i, w in enumerate(ONES + TENS + ["hundred", "thousand"])}  # 0 pad, 1 bos, 2 eos


def below_thousand(n):
    out = [ONES[n // 100], "hundred"] if n >= 100 else []
    r = n % 100
    if r >= 20:
        out.append(TENS[r // 10 - 2])
        if r % 10:
            out.append(ONES[r % 10])
    elif r > 0:
        out.append(ONES[r])
    return out


def number_words(n):
    if n == 0:
        return ["zero"]
    out = below_thousand(n // 1000) + ["thousand"] if n >= 1000 else []
    return out + (below_thousand(n % 1000) if n % 1000 else [])


def padded(rows):
    out = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.int64)
    for r, row in enumerate(rows):
        out[r, :len(row)] = torch.tensor(row)
    return out


def number_words_batch(rng, count):
    """NumberWords.trainingNumbers + batch: a digit count 1-6 uniformly, then a number of that
    many digits; source digit ids, target <bos> words <eos>, right-padded with 0."""
    digits = rng.integers(1, 7, count)
    low = np.where(digits == 1, 0, 10 ** (digits - 1))
    numbers = [int(rng.integers(lo, hi)) for lo, hi in zip(low, 10 ** digits)]
    source = [[3 + int(ch) for ch in str(n)] for n in numbers]
    target = [[1] + [TARGET_IDS[w] for w in number_words(n)] + [2] for n in numbers]
    return padded(source), torch.tensor([len(s) for s in source]), padded(target)


def seq2seq_recipe(name):
    batch_size, total_steps = 128, 4 * 500
    model = Seq2Seq(13, 33) if name == "seq2seq" else TransformerSeq2Seq(13, 33)
    lr, warmup = (3e-3, 0) if name == "seq2seq" else (1e-3, 200)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(total_steps - warmup, 1)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    rng = np.random.default_rng(0)
    parameters = list(model.parameters())
    model.train()

    def step():
        source, lengths, target = number_words_batch(rng, batch_size)
        optimizer.zero_grad()
        logits = model(source, lengths, target[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), target[:, 1:].reshape(-1), ignore_index=0)
        loss.item()
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        schedule.step()
        return batch_size

    return model, batch_size, step


def caption_recipe(_):
    images, labels = embedded_mnist()
    model = Captioner()
    parameters = list(model.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    batches = Batches(len(labels), 64, on_epoch=schedule.step)  # 10k strips an epoch
    model.train()

    def step():
        n = len(batches.next())
        slots = torch.randint(0, len(labels), (n, 3))  # three random digits a strip
        strips = images[slots].permute(0, 2, 1, 3).reshape(n, 28, 84)
        captions = torch.cat([torch.ones(n, 1, dtype=torch.int64), labels[slots] + 3,
                              torch.full((n, 1), 2, dtype=torch.int64)], 1)
        optimizer.zero_grad()
        logits = model(normalized(strips), captions[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[2]), captions[:, 1:].reshape(-1), ignore_index=0)
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, 5.0)
        optimizer.step()
        loss.item()
        return n

    return model, 64, step


def forecast_recipe(_):
    months = {}
    with open(AIRLINE) as f:
        for line in f.read().splitlines()[1:]:
            if line.strip():
                date, value = line.split(",")
                if value:
                    months.setdefault(date[:7], []).append(float(value))
    values = np.array([np.mean(v) for _, v in sorted(months.items())])
    history = values[:-24]
    z = np.log(history[12:]) - np.log(history[:-12])
    u = torch.tensor((z - z.mean()) / max(z.std(), 1e-8), dtype=torch.float32)
    window, count = 12, len(u) - 12
    model = Forecaster()
    parameters = list(model.parameters())
    optimizer = torch.optim.Adam(parameters, lr=3e-3)
    batches = Batches(count, 32)
    offsets = torch.arange(window)
    model.train()

    def step():
        rows = batches.next()
        windows = u[rows[:, None] + offsets].unsqueeze(2)
        targets = u[rows + window].unsqueeze(1)
        optimizer.zero_grad()
        loss = F.mse_loss(model(windows), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        loss.item()
        return len(rows)

    return model, 32, step


RECIPES = {
    # name: (builder(name, total_steps), default timed steps, default warm-up steps); the defaults
    # aim at 3-5 s of timed steps at one thread on an idle 2-core Xeon (AVX-512): they take 3-7 s of
    # CPU time a run on the loaded machine (time.process_time over the timed steps).
    "mlp": (lambda n, s: mlp_recipe(n), 5000, 100),
    "cnn": (lambda n, s: classifier(seed_cnn, 64, 10), 200, 10),
    "lenet": (lambda n, s: classifier(lenet5, 64, 10), 600, 20),
    "vgg": (lambda n, s: classifier(small_vgg, 64, 8), 40, 5),
    "seqmnist": (lambda n, s: classifier(LSTMNet, 64, 5), 50, 5),
    "vit": (lambda n, s: classifier(VisionTransformer, 128, 10), 80, 5),
    "seq2seq": (lambda n, s: seq2seq_recipe(n), 180, 10),
    "transformer-seq2seq": (lambda n, s: seq2seq_recipe(n), 100, 10),
    "caption": (lambda n, s: caption_recipe(n), 150, 10),
    "forecast": (lambda n, s: forecast_recipe(n), 3000, 50),
    "charlm": (lambda n, s: language_model(n, s), 25, 5),
    "gpt": (lambda n, s: language_model(n, s), 30, 5),
    "autoencoder": (lambda n, s: generative(MLPAutoencoder()), 400, 10),
    "vae": (lambda n, s: generative(VAE()), 600, 10),
    "gan": (lambda n, s: gan_recipe(n), 30, 5),
    "wgan": (lambda n, s: gan_recipe(n), 60, 10),
    "wgan-gp": (lambda n, s: gan_recipe(n), 45, 10),
    "ddpm": (lambda n, s: ddpm_recipe(n), 12, 3),
}


def main():
    p = argparse.ArgumentParser(description="PyTorch steps/s of a `glassbox train` recipe")
    p.add_argument("model", choices=sorted(RECIPES))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, help="timed steps (default: the model's, about 3-5 s at one thread)")
    p.add_argument("--warmup", type=int, help="untimed steps first (default: the model's)")
    p.add_argument("--json", action="store_true", help="print one JSON object last")
    p.add_argument("--epoch-steps", type=int,
                   help="also time every block of this many timed steps (an epoch): `epoch_seconds` in the JSON")
    args = p.parse_args()
    build, default_steps, default_warmup = RECIPES[args.model]
    steps = args.steps if args.steps is not None else default_steps
    warmup = args.warmup if args.warmup is not None else default_warmup
    if steps < 1 or warmup < 0 or args.threads < 1 or (args.epoch_steps is not None and args.epoch_steps < 1):
        sys.exit("torch_train.py: --steps and --threads must be positive and --warmup not negative")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, batch_size, step = build(args.model, warmup + steps)
    parameters = sum(p.numel() for p in model.parameters())
    for _ in range(warmup):
        step()
    samples, epoch_seconds = 0, []
    start = time.perf_counter()
    epoch_start = start
    for index in range(steps):
        samples += step()
        if args.epoch_steps and (index + 1) % args.epoch_steps == 0:
            now = time.perf_counter()
            epoch_seconds.append(now - epoch_start)
            epoch_start = now
    seconds = time.perf_counter() - start
    expected = GLASSBOX_PARAMETERS.get(args.model)
    row = {
        "model": args.model,
        "steps_per_second": steps / seconds,
        "samples_per_second": samples / seconds,
        "threads": args.threads,
        "steps": steps,
        "warmup": warmup,
        "batch_size": batch_size,
        "seconds": seconds,
        "parameters": parameters,
        "glassbox_parameters": expected,
        "peak_rss_mb": peak_rss_mb(),
        "epoch_seconds": epoch_seconds,
        "torch_version": torch.__version__,
    }
    print(f"{args.model}: {row['steps_per_second']:.2f} steps/s, {row['samples_per_second']:.0f} samples/s "
          f"({steps} steps in {seconds:.2f} s after {warmup} warm-up, batch {batch_size}, {args.threads} threads, "
          f"{parameters} parameters, peak RSS {row['peak_rss_mb']:.0f} MB, torch {torch.__version__})", flush=True)
    if args.json:
        print(json.dumps(row))
    if expected is not None and expected != parameters:
        print(f"torch_train.py: {args.model} has {parameters} parameters here but {expected} in Glassbox",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
