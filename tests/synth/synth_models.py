"""Random-weight Coqui models built at test/benchmark time (never committed).

>>> write_tiny_vits(Path("/tmp/tiny"))          # model.pth + config.json, ~2 MB, ~1 s
>>> write_fake_mms(Path("/tmp/tts/tts/tts_models--kir--fairseq--vits"))   # MMS layout

Both need torch and coqui-tts importable (with the torchaudio stand-in in tests).
"""

from __future__ import annotations

import json
from pathlib import Path

# TEST-ONLY stand-ins for torchaudio/torchcodec, written out as real packages (see
# write_standin) so that worker processes, spawned with the parent's sys.path, import
# them too. coqui-tts's import guard wants both; VITS inference uses neither.
TORCHAUDIO_STANDIN = '''"""TEST-ONLY stand-in for torchaudio (bulletin tests): satisfies coqui-tts's import
guard; audio I/O and resampling are not available."""
__version__ = "0+bulletin.test.standin"


def _unavailable(*args, **kwargs):
    raise RuntimeError("torchaudio is a test stand-in: audio I/O and resampling are unavailable")


load = save = info = _unavailable


class transforms:  # noqa: N801
    Resample = staticmethod(_unavailable)
'''
TORCHCODEC_STANDIN = '''"""TEST-ONLY stand-in for torchcodec (bulletin tests)."""
__version__ = "0+bulletin.test.standin"
'''


def write_standin(folder: Path, only_missing: bool = True) -> Path:
    """Write the stand-in packages into ``folder`` (put it first on sys.path to use them)."""
    import importlib.util
    import sys

    for name, source in (("torchaudio", TORCHAUDIO_STANDIN), ("torchcodec", TORCHCODEC_STANDIN)):
        if only_missing and (name in sys.modules or importlib.util.find_spec(name) is not None):
            continue
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "__init__.py").write_text(source, encoding="utf-8")
    return folder


KY_LOWER = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"
# fairseq vocab.txt: one symbol a line; line 0 is the blank; " " is used as padding.
MMS_VOCAB = ["_", " ", "'", "-", *KY_LOWER]


def write_tiny_vits(out: Path, seed: int = 0) -> Path:
    """A tiny character-input VITS (16 kHz) loadable with TTS(model_path=, config_path=)."""
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    torch.manual_seed(seed)
    config = VitsConfig(
        model="vits",
        run_name="ky_tiny_random",
        audio=BaseAudioConfig(
            sample_rate=16000,
            fft_size=512,
            win_length=512,
            hop_length=256,
            num_mels=40,
            mel_fmin=0,
            mel_fmax=None,
        ),
        model_args=VitsArgs(
            hidden_channels=32,
            hidden_channels_ffn_text_encoder=64,
            num_heads_text_encoder=2,
            num_layers_text_encoder=2,
            kernel_size_text_encoder=3,
            num_layers_posterior_encoder=2,
            num_layers_flow=2,
            resblock_type_decoder="2",
            resblock_kernel_sizes_decoder=[3],
            resblock_dilation_sizes_decoder=[[1, 3]],
            upsample_rates_decoder=[8, 8, 4],
            upsample_initial_channel_decoder=64,
            upsample_kernel_sizes_decoder=[16, 16, 8],
            use_sdp=False,
            init_discriminator=False,
        ),
        characters=CharactersConfig(
            characters_class="TTS.tts.models.vits.VitsCharacters",
            pad="<PAD>",
            eos="<EOS>",
            bos="<BOS>",
            blank="<BLNK>",
            characters=KY_LOWER,
            punctuations=" !,.?-:;«»—\"'()",
            phonemes=None,
            is_unique=True,
            is_sorted=True,
        ),
        use_phonemes=False,
        text_cleaner="multilingual_cleaners",
        add_blank=True,
        test_sentences=[],
    )
    model = Vits(config)
    out.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict()}, out / "model.pth")
    config.save_json(str(out / "config.json"))
    return out


def _coqui_to_fairseq(key: str) -> str:
    """Inverse of TTS.tts.utils.fairseq.rehash_fairseq_vits_checkpoint's renaming."""
    for coqui, fairseq in (
        ("flow.flows.1.", "flow.flows.2."),
        ("flow.flows.2.", "flow.flows.4."),
        ("flow.flows.3.", "flow.flows.6."),
    ):
        if key.startswith(coqui):
            return fairseq + key[len(coqui) :]
    for flows in ("flows", "post_flows"):
        dp = f"duration_predictor.{flows}."
        if key.startswith(dp + "0.translation"):
            return key.replace(dp + "0.translation", f"dp.{flows}.0.m")
        if key.startswith(dp + "0.log_scale"):
            return key.replace(dp + "0.log_scale", f"dp.{flows}.0.logs")
        for coqui, fairseq in (("1", "1"), ("2", "3"), ("3", "5"), ("4", "7")):
            if key.startswith(f"{dp}{coqui}."):
                return f"dp.{flows}.{fairseq}." + key[len(dp) + 2 :]
    for coqui, fairseq in (
        ("text_encoder.", "enc_p."),
        ("waveform_decoder.", "dec."),
        ("posterior_encoder.", "enc_q."),
        ("duration_predictor.", "dp."),
    ):
        if key.startswith(coqui):
            return fairseq + key[len(coqui) :]
    return key


def write_fake_mms(folder: Path, seed: int = 0) -> Path:
    """G_100000.pth (fairseq names, fp16), config.json, vocab.txt: the MMS layout Coqui
    loads for ``tts_models/<lang>/fairseq/vits``; random weights, so it speaks noise."""
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    torch.manual_seed(seed)
    config = VitsConfig(model_args=VitsArgs(init_discriminator=False))
    model = Vits(config)
    model.text_encoder.emb = torch.nn.Embedding(len(MMS_VOCAB), config.model_args.hidden_channels)
    state = {
        _coqui_to_fairseq(k): (v.half() if v.is_floating_point() else v)
        for k, v in model.state_dict().items()
    }
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"model": state}, folder / "G_100000.pth")
    (folder / "vocab.txt").write_text("\n".join(MMS_VOCAB) + "\n", encoding="utf-8")
    data = {"sampling_rate": 16000, "add_blank": True, "training_files": "filelists/kir_train.txt"}
    (folder / "config.json").write_text(json.dumps({"data": data}), encoding="utf-8")
    return folder


# The corpus ships with the repository (examples/corpus).
CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"


def corpus_sentences(name: str = "03-government.txt", limit: int | None = None) -> list[str]:
    """Sentences of a corpus release (a simple splitter: lines, then ". ")."""
    path = CORPUS / name
    text = path.read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        for part in (
            line.replace("! ", "!\n").replace("? ", "?\n").replace(". ", ".\n").splitlines()
        ):
            if part.strip():
                out.append(part.strip())
    return out[:limit] if limit else out
