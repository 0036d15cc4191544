"""Inputs read from forward()'s docstring and annotations, and spectrogram widths from the feature extractor.

Parametrized over real transformers classes (skipped where transformers is not installed).
"""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")

from hwcov_harness import docshapes, extractor, geometry  # noqa: E402


class _Config:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _documented(**args):
    """A forward() whose docstring documents args: {name: "`torch.Tensor` of shape `(...)`"}."""

    def forward(self):
        pass

    forward.__doc__ = "\n".join(f"    {name} ({text}):\n        what it is." for name, text in args.items())
    return forward


@pytest.mark.parametrize(
    "expr, config, want",
    [
        ("batch_size", {}, 3),
        ("hidden_size", {"hidden_size": 24}, 24),
        ("config.block_size", {"block_size": 5}, 5),
        ("dim * len(config.target_layer_ids)", {"hidden_size": 8, "target_layer_ids": [1, 2, 3]}, 24),
        ("embed_dim", {"hidden_size": 40}, 40),  # a width name the config does not have: its hidden_size
        ("frames", {"hidden_size": 40}, docshapes.DOC_LENGTH),  # unsized: the shared length
        ("number_of_previous_accepted_tokens + config.block_size", {"block_size": 5}, docshapes.DOC_LENGTH),
        ("2", {}, 2),
    ],
)
def test_dimension(expr, config, want):
    assert docshapes.dimension(expr, [_Config(**config)], batch=3) == want


def test_doc_shapes_reads_backticked_and_bracketed_shapes():
    fn = _documented(
        latents="`torch.Tensor` of shape `(batch_size, hidden_size, frames)`",
        noise_embeds="`torch.Tensor` of shape `[batch_size, config.block_size, dim]`",
        marks="`torch.LongTensor` of shape `(num_marks,)`",
        features="`torch.Tensor` of shape `(num_crops, hidden_size * len(vision_feature_layer))`",
    )
    got = docshapes.doc_shapes(fn)
    assert got["latents"] == ("torch.Tensor", ["batch_size", "hidden_size", "frames"])
    assert got["noise_embeds"][1] == ["batch_size", "config.block_size", "dim"]
    assert got["marks"] == ("torch.LongTensor", ["num_marks"])
    assert got["features"][1] == ["num_crops", "hidden_size * len(vision_feature_layer)"]  # len(...) kept whole


def test_a_derived_width_wins_over_the_name_rule():
    derived = "`torch.Tensor` of shape `[batch_size, n, dim * len(config.target_layer_ids)]`"
    fn = _documented(context_hidden_states=derived)

    class M:
        forward = fn

    config = _Config(hidden_size=8, target_layer_ids=[1, 2, 3])
    got = docshapes.derived_doc_input("context_hidden_states", M(), config, 2, torch.Generator().manual_seed(0))
    assert tuple(got.shape) == (2, docshapes.DOC_LENGTH, 24)
    plain = _documented(context_hidden_states="`torch.Tensor` of shape `(batch_size, n, hidden_size)`")

    class P:
        forward = plain

    assert docshapes.derived_doc_input("context_hidden_states", P(), config, 2, torch.Generator()) is None


@pytest.mark.parametrize(
    "model_type, name, want",
    [
        ("mimi_decoder", "latents", lambda c: (2, c.hidden_size, docshapes.DOC_LENGTH)),
        ("pocket_tts_audio_tokenizer_decoder", "latents", lambda c: (2, c.hidden_size, docshapes.DOC_LENGTH)),
    ],
)
def test_doc_input_on_real_decoders(model_type, name, want):
    config = transformers.AutoConfig.for_model(model_type)
    model_cls = transformers.MODEL_MAPPING[type(config)]
    got = docshapes.doc_input(name, model_cls, config, 2, torch.Generator().manual_seed(0))
    assert tuple(got.shape) == want(config) and got.dtype == torch.float32


def test_mel_inputs_and_their_padding_masks():
    config = transformers.AutoConfig.for_model("gemma3n_audio")
    g = torch.Generator().manual_seed(0)
    mel = docshapes.doc_input("audio_mel", object, config, 2, g)
    mask = docshapes.doc_input("audio_mel_mask", object, config, 2, g)
    assert mel.shape[-1] == config.input_feat_size  # the width the encoder's projection reads
    assert mask.dtype == torch.bool and tuple(mask.shape) == tuple(mel.shape[:2]) and not mask.any()
    assert docshapes.is_mel_input("mel_spectrogram") and docshapes.is_mel_input("reference_mel")
    assert not docshapes.is_mel_input("audio_mel_mask") and not docshapes.is_mel_input("melody")


def test_index_inputs_point_into_the_shared_length():
    fn = _documented(pooled_patches_idx="`torch.Tensor` of shape `(num_tokens, pool)`")

    class M:
        forward = fn

    got = docshapes.doc_input("pooled_patches_idx", M(), _Config(), 2, torch.Generator().manual_seed(0))
    assert got.dtype == torch.long and int(got.max()) < docshapes.DOC_LENGTH


def test_optional_none_only_for_annotations_that_admit_none():
    class M:
        def forward(self, hidden_states: torch.Tensor, mask: torch.Tensor | None, plain=None):
            pass

    assert docshapes.optional_none(M(), "mask")
    assert not docshapes.optional_none(M(), "hidden_states")
    assert not docshapes.optional_none(M(), "plain")  # no annotation: nothing said


@pytest.mark.parametrize("cls_name", ["MusicgenForCausalLM", "MusicgenMelodyForCausalLM"])
def test_codebook_rows(cls_name):
    config = transformers.AutoConfig.for_model("musicgen").decoder
    model_cls = getattr(transformers, cls_name)
    ids = torch.zeros(2, 5, dtype=torch.long)
    got = docshapes.doc_batch_rows(model_cls, config, {"input_ids": ids}, 2)
    assert tuple(got["input_ids"].shape) == (2 * config.num_codebooks, 5)
    # a tensor already shaped some other way is left alone
    assert docshapes.doc_batch_rows(model_cls, config, {"input_ids": torch.zeros(3, 5)}, 2)["input_ids"].shape[0] == 3


@pytest.mark.parametrize(
    "model_type, want",
    [
        ("gemma4_audio", 128),  # the config names no width: the (parent's) extractor's feature_size
        ("granite_speech5_encoder", 320),  # the extractor stacks 4 frames of num_mel_bins=80
        ("xcodec2", 160),  # the extractor stacks stride=2 frames of num_mel_bins=80
        ("voxtral_realtime_encoder", 128),  # the config's num_mel_bins, which the extractor agrees with
        ("wav2vec2", 80),  # a raw-waveform extractor (feature_size 1) says nothing of spectrogram widths
    ],
)
def test_feature_width(model_type, want):
    assert geometry.feature_width(geometry.audio_config(transformers.AutoConfig.for_model(model_type))) == want


def test_extractor_defaults_of_unknown_types_are_empty():
    assert extractor.extractor_defaults("no_such_model_type") == {}


def test_audio_config_descends_into_the_asr_config():
    config = transformers.AutoConfig.for_model("nemo_speechlm")
    assert geometry.audio_config(config).model_type == "nemotron3_5_transcribe_asr_audio"


def test_causal_conv1d_subclass_reads_bins_as_channels():
    class Causal(torch.nn.Conv1d):
        pass

    model = torch.nn.Sequential(Causal(128, 8, 3))
    assert geometry._mel_channels_first(model, 128)
    assert not geometry._mel_channels_first(model, 80)


@pytest.mark.parametrize("model_type", ["pe_audio_encoder", "pe_audio"])
def test_a_codec_in_front_reads_one_channel(model_type):
    config = transformers.AutoConfig.for_model(model_type)
    assert geometry.waveform_shape(config, 2) == (2, 1, geometry.audio_samples(config))
