"""Variants stay what they were: the same (seed, student, exercise) gives byte for byte the
file it gave before assign was made fast (variants are now planned on the shipped tree and
written by splicing its text; see bughunt/variants/layout.py).

RECORDED holds, per exercise, short SHA-256 digests of the shipped file and its reference
fix, and for three keys the digests of the broken and fixed variants, as written by the
libcst-transform pipeline this replaced (commit 77d57ed). An exercise whose file or fix has
changed since is skipped: its variants are new by design. After a deliberate change to the
transforms, print a fresh table with

    python tests/test_assign_variants_stable.py > /tmp/table.py

and paste it over RECORDED.
"""
from __future__ import annotations

import hashlib
import textwrap

import pytest

from bughunt.grader import load_grader
from bughunt.variants import broken_and_fixed, prepare, rename, variant_key
from bughunt.variants.choice import Chooser
from bughunt.variants.layout import Draft, Layout
from bughunt.variants.syntax import identifiers

from tests.conftest import EXERCISES


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


RECORDED = {
    'leakage/scaler-before-split': ('c5b6fd0f2595174d', '371f949daa18b331', [
        ('e885ede8c2e7640b', '6dab76e02cfc131a', '4abd7e543dc0f4ea'),
        ('263a4f2582e3a517', '677881c72a21276f', 'f723baf0496c78f5'),
        ('63e1bb7bce279d0e', 'feb724d0d91d508b', '6620f7419a495873'),
    ]),
    'leakage/selection-and-scaling': ('5a148746c57d80ae', '3aaba7fd8dd56fe5', [
        ('10e5cc0185cdb0d4', '4efc9f1fe1dd1554', '60b1e66fcb8101d4'),
        ('17955856b38a2b0f', '9f582c035b7792ad', '43650e183ecefb0d'),
        ('781355835d4172b8', '39aae9169ed98706', '02207adedd8ed194'),
    ]),
    'leakage/imputer-on-all-rows': ('ae63b53d22726c88', 'cf55a155e987e4fe', [
        ('d7ebdef5b119bcd0', '67bf4cbb56edf736', 'b6ce27f185195c77'),
        ('3ffbf3d4819c4e3e', 'f592b4097c06315b', '06c5fb2fd6c93a58'),
        ('e00d42ab4f2873ec', '4e86656800f7f5db', '3be4ba1011e41663'),
    ]),
    'leakage/scaled-outside-cv': ('7eb8e20aebf4c33e', 'd2af31543f15c0e3', [
        ('1fd9da863657e8e6', '9c5f2f46dfd3e5d4', 'a57c935cf445b83a'),
        ('e75f9ae7e38fc405', '4c43ebf035165752', '1eed5e9c5f2f458e'),
        ('e18672fbe860a0cd', 'c155b2391482ff1c', '081c88bcd3aaed2a'),
    ]),
    'leakage/random-split-time-series': ('e0143edaa6a4b338', 'fbffea95ae5185f3', [
        ('8800dd4e89caa78d', 'fb8f735a4901b4d2', 'f89742275747e4b0'),
        ('3e3de7be9bb9f9bc', 'f075d1980cfed580', '9ac0bbcffe9fc024'),
        ('dadf62c175f0204c', '3c43b5d62da9ebe4', '3a942a3ecacef673'),
    ]),
    'leakage/oversample-before-split': ('173be63a88a70de0', 'f8ea342220af6d6e', [
        ('fa0cb4bdc7c04732', '4922d339cca7a707', '18effaee8174b567'),
        ('01ec3fa58b879a70', '96962a77e40eb887', '12bd91bd3eb3619e'),
        ('0817ee91d3438f1a', '4d1236d08b7f36ae', '78ff16529a8a40c0'),
    ]),
    'leakage/target-derived-feature': ('e4d53a258c4adf5e', '8a51b7bc31052f27', [
        ('7da435f1acc5c3bb', 'cfc23447c9396b2e', '6c2cca567e87ba89'),
        ('2f14ce1e800edc2a', '3f4663137408e600', '822f2359094e761c'),
        ('c1b5b5df3540ca24', '6d1d94155ef91a08', 'dd48cb9e28b45fdf'),
    ]),
    'gradient_sign/linreg-batch': ('376c5e135620aa6d', '4539a460b8801d08', [
        ('839ab8472a96d0ad', '908d1cb1ccc01b0f', 'd565178cd7215bac'),
        ('d1e9118acf1994ec', '7c4b7e9da8c50cc7', '777c86b6e8f342e8'),
        ('db330fedb78edbed', '729311fd3a9af448', '7adb858a5b346c2e'),
    ]),
    'gradient_sign/logistic-ascent': ('8d7a0408649b5107', '8faf0a9df77f77f8', [
        ('a1aac26747a6c6bf', '03f3445f8915c07b', '989567cb363acb8a'),
        ('b7f29056a6206a0d', 'c3020773c1755214', '3155784c444075df'),
        ('569d5b67fafdbad1', '511ad3fab8757793', '39c72cc363083bf0'),
    ]),
    'gradient_sign/two-layer-net': ('2809e3a6c542a459', '22f9113191fb8d1b', [
        ('8e0cae69719366e4', '2265bef19cbb85a4', '094ef43db851166b'),
        ('7a5f7f7a7012454b', '75e4e76959a3d3ca', 'f66fbe7c2a6c609a'),
        ('c2e39a8e47eecdeb', 'b25d4ad2080b3024', '36a4062ca4786b4d'),
    ]),
    'bias_update/linreg-minibatch': ('424ef00f16697c15', '5b67d203775ea1a6', [
        ('85378e2a22c2cdf1', '78ea0725f508793f', '01d05d62fcb15014'),
        ('3391c4f28f4e0be9', 'd767cc7dc3e1a9c8', 'd00a8ae23ea5e892'),
        ('e39175315f5fded7', 'c08aa9b6a9aba773', 'e7b7488a05012074'),
    ]),
    'bias_update/logistic-bias': ('9ead9d567903613b', '7c87e72e697bcbf8', [
        ('e659ddff5800b2e9', 'aab52678cdf761bb', 'ff02c174679c1c9e'),
        ('db910d5b1b61c423', '4a77438a36b9cada', '84db4ec06f360f8f'),
        ('c6c2c1d8ee36bf50', 'eb9a88dea3a02104', '9137ab9cefc787b1'),
    ]),
    'bias_update/softmax-bias': ('2326d916b07dffb3', '23b1715b6fdd3ea9', [
        ('7ec3af7572d7a3be', '2d8ad96bff3aaecc', '1f8755db7ebe71b8'),
        ('279be5aa110c65d9', '2989bcd42b196851', '5f9230a4f9e4cfc4'),
        ('b7f5286bfd1bc194', 'e2720ae9aed6236d', '6f4a8d02edd5c312'),
    ]),
    'sigmoid/overflow-basic': ('95950d2ea4d368e0', 'da1d90bb5b58d1ff', [
        ('f62538182021dc07', 'cc35b75dce43b946', 'be33452ec618ac21'),
        ('b4274b6dc9427b36', 'f9521892fe2703f4', 'fe3afeff1848ed64'),
        ('3a18c33931777224', 'e8f662d1acd5fe3a', 'c4fae6e11e9198cc'),
    ]),
    'sigmoid/softmax-max': ('1d60a9560a8c41eb', 'b5db599523bf686f', [
        ('5d206a213a7da3eb', '31e5f9ec1dd59b89', '969866b36a2bd698'),
        ('73483f81816d75ac', '893ed5341e22c2f8', '419722a113755cb4'),
        ('1bb4920e30049ae9', '7c8d5fab62e74e12', 'cdb933aeb2484e70'),
    ]),
    'sigmoid/hidden-layer': ('4241143052920671', 'b8ab61ff2592a4b9', [
        ('26eb1beabbaeace0', '3d295955b493b09d', '229474b8f982f440'),
        ('bef4b25dc1b8a139', '648390fcfccf403b', '37f017d5d40b0670'),
        ('6392ac1dfe911fce', 'f7ee9cfe6c13bcd2', '0a9048f22f3eac35'),
    ]),
    'log_epsilon/bce-logistic': ('573b5fa2e0605b70', '1e37aeb2e88a4390', [
        ('e5735f22fcbaabe5', 'f1082d2189a1d201', '93d8c11a39b16a2a'),
        ('56178be48e95d29c', '3833f674ef718b57', 'dfc06c860f4b7fe5'),
        ('7357e7ce6b5f2ab2', '40e765d27e63efec', '20461c769592f898'),
    ]),
    'log_epsilon/categorical-ce': ('02e0a53378ff6c2a', '9544a41390c2f961', [
        ('46f55fc13e85ed8b', 'dec71e97ed4d2d7a', '25aca27fa737ac31'),
        ('16c2105214282b0e', '5d294885c48ae7a5', '5b467962d03b8e7e'),
        ('40c66a2214a89b35', '8789220dd3aa2b16', '76e700a5210f2b3c'),
    ]),
    'log_epsilon/network-loss': ('26f6d979a72d0754', 'd13bc57a4594b447', [
        ('8c557b4ec6595462', 'c6f1dbe7ff00ca7a', '6075b33e4f27a8a6'),
        ('96e665ee77560cae', 'ddc90f5b9a740558', 'c8ff25c6b73ae3f3'),
        ('b8625964dd0102b4', '4cc16f880ab7d29e', '0bf437b989cd1fe8'),
    ]),
    'shape_mismatch/flat-loss-regression': ('2c3f45031282e537', '870baba4df60901f', [
        ('6a546fd1563464e8', '2f61801b14a040ce', 'aa3e7119e3a88644'),
        ('3d9a3f8c65b9bc39', 'f264090e3bf12d86', '043bc30116eb4459'),
        ('7c27347c21e2341c', 'c9ac21183c929ee5', '02881b575a80b4c2'),
    ]),
    'shape_mismatch/transposed-output-weights': ('9b5b3f7b3f3d9c64', '2ff1c73ff8683e0f', [
        ('d07aa8e1ba070811', 'f4bc93dab5d4ad61', '03f085e90e2deb9c'),
        ('0190e4da481ed364', '610b0e994c29a3b6', 'c7ce50e7070826eb'),
        ('a91c08eba2437184', '3838cadcb8490598', 'b0c6bd196afdf5de'),
    ]),
    'shape_mismatch/softmax-wrong-axis': ('29fa277379ad563a', '4df29b06a52deaa3', [
        ('1db47bea14fb1d3f', 'c08648a6d80fa1d1', 'e501efdc1442dcd4'),
        ('dbf3e41259c68bec', 'e3d58b477067b474', 'b91915afa322e0cc'),
        ('4860382d2645d536', 'de31209803eb8b20', '5949ce8433ffa7ed'),
    ]),
}


def _current(ex) -> tuple[str, str]:
    text = ex.path.read_text(encoding="utf-8")
    return text, load_grader(ex.grader_path).reference_example().apply(text)


def test_unchanged_exercises_give_the_recorded_variants():
    checked = 0
    for ex in EXERCISES:
        if ex.id not in RECORDED:
            continue
        text, fixed = _current(ex)
        shipped_digest, fixed_digest, rows = RECORDED[ex.id]
        if (_h(text), _h(fixed)) != (shipped_digest, fixed_digest):
            continue  # the exercise changed: its variants are new by design
        prepared = prepare(ex, [text, fixed])
        for key, broken_digest, fixed_variant_digest in rows:
            broken, fix = prepared.variants(key)
            assert (_h(broken.text), _h(fix.text)) == (broken_digest, fixed_variant_digest), f"{ex.id} key {key}"
            checked += 1
        # the one-off entry point makes the same files as a prepared exercise
        assert tuple(v.text for v in broken_and_fixed(ex, key)) == (broken.text, fix.text)
    # the table is only worth something while most exercises are still the recorded ones
    assert checked >= 3 * len(RECORDED) // 2, f"only {checked // 3} of {len(RECORDED)} exercises are unchanged: refresh RECORDED"


SPLICE_CASES = [
    # non-ASCII text before a renamed name on the same line (positions count characters)
    'def f(a):\n    s = "héllo wörld"; w = a + 1\n    return s, w\n',
    # Windows line endings, a continuation line, a comment between statements
    "def f(a):\r\n    w = (a +\r\n         1)\r\n    # note\r\n    v = w * 2\r\n    return v\r\n",
    # a closure, a comprehension and the demo
    textwrap.dedent("""\
        def f(xs):
            total = 0
            def g(k):
                return total + k
            out = [g(i) for i in xs]
            return out

        if __name__ == "__main__":
            inbox = [1, 2]
            print(f(inbox))
        """),
]


@pytest.mark.parametrize("src", SPLICE_CASES)
def test_spliced_renames_are_what_libcst_prints(src):
    for i in range(6):
        analysis = rename.analyse(src)
        mapping = rename.plan(analysis.names, identifiers(analysis.module), Chooser(f"k{i}"))
        tree, used = rename.apply(analysis, mapping)
        names, spliced_used = rename.renamed_nodes(analysis, mapping)
        assert used and spliced_used == used
        assert Draft(Layout(analysis.module), names).render() == tree.code


if __name__ == "__main__":  # print a fresh RECORDED table from the current code and exercises
    print("RECORDED = {")
    for ex in EXERCISES:
        text, fixed = _current(ex)
        print(f"    {ex.id!r}: ({_h(text)!r}, {_h(fixed)!r}, [")
        for student in ("s001", "s002", "s003"):
            key = variant_key(7, student, ex.id)
            broken, fix = broken_and_fixed(ex, key, text)
            print(f"        ({key!r}, {_h(broken.text)!r}, {_h(fix.text)!r}),")
        print("    ]),")
    print("}")
