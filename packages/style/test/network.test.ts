/**
 * VGG layer tables, feature shapes and the minimum image size, checked against
 * the graph that onnxruntime actually runs.
 */
import assert from 'node:assert/strict';
import { suite, test } from 'node:test';
import { buildFeatureGraph, GRAPH_NAMES } from '../src/graph/style-graph.js';
import {
  convLayers,
  featureShapes,
  kerasName,
  minimumSide,
  resolveLayers,
  VGG_ARCHITECTURES,
} from '../src/network/vgg.js';
import { nodeRuntime } from '../src/runtime/node.js';
import { isStyleError } from '../src/errors.js';
import { randomArray, randomWeights, rng } from './graph-fixtures.js';

suite('VGG layer tables', () => {
  test('VGG-19 has 16 convs, VGG-16 has 13, named as Keras names them', () => {
    const v19 = convLayers('vgg19');
    const v16 = convLayers('vgg16');
    assert.equal(v19.length, 16);
    assert.equal(v16.length, 13);
    assert.deepEqual(
      v19.slice(0, 3).map((l) => [l.name, l.keras, l.inChannels, l.outChannels]),
      [
        ['conv1_1', 'block1_conv1', 3, 64],
        ['conv1_2', 'block1_conv2', 64, 64],
        ['conv2_1', 'block2_conv1', 64, 128],
      ],
    );
    assert.deepEqual(
      v19.slice(-1).map((l) => [l.name, l.keras, l.inChannels, l.outChannels, l.pools]),
      [['conv5_4', 'block5_conv4', 512, 512, 4]],
    );
    assert.deepEqual(
      v16.slice(-1).map((l) => l.keras),
      ['block5_conv3'],
    );
    assert.equal(kerasName('conv4_2'), 'block4_conv2');
  });

  test('rejects layers the network lacks', () => {
    assert.throws(
      () => resolveLayers('vgg16', ['conv5_4']),
      (e) =>
        isStyleError(e, 'INVALID_OPTION') &&
        e.message === 'Expected a layer of vgg16 (conv1_1 .. conv5_3) but received conv5_4',
    );
    assert.throws(() => kerasName('relu4_2'), /Expected a layer name like conv4_2 but received relu4_2/);
  });

  test('the minimum side is 2^(poolings before the deepest layer)', () => {
    assert.equal(minimumSide('vgg19', ['conv1_1']), 1);
    assert.equal(minimumSide('vgg19', ['conv4_2', 'conv1_1']), 8);
    assert.equal(minimumSide('vgg19', ['conv5_1']), 16);
  });

  test('feature shapes at the seed size 333 x 250 (pooling floors)', () => {
    assert.deepEqual(
      featureShapes('vgg19', 250, 333, ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv4_2', 'conv5_1']),
      {
        conv1_1: [64, 250, 333],
        conv2_1: [128, 125, 166],
        conv3_1: [256, 62, 83],
        conv4_1: [512, 31, 41],
        conv4_2: [512, 31, 41],
        conv5_1: [512, 15, 20],
      },
    );
  });

  test('onnxruntime produces those shapes from VGG-19 with random weights at 333 x 250', async () => {
    const arch = VGG_ARCHITECTURES.vgg19;
    const layers = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv4_2', 'conv5_1'];
    const weights = randomWeights(arch, 3);
    const g = buildFeatureGraph({
      arch,
      weights,
      height: 250,
      width: 333,
      contentLayers: layers,
      styleLayers: ['conv5_1'],
      pooling: 'avg',
    });
    const session = await nodeRuntime.createSession(g.model);
    try {
      const out = await session.run({
        image: { data: randomArray(3 * 250 * 333, rng(1), 100), dims: [1, 3, 250, 333] },
      });
      const expected = featureShapes('vgg19', 250, 333, layers);
      for (const l of layers) assert.deepEqual(out[GRAPH_NAMES.feature(l)]!.dims, [1, ...expected[l]!], l);
      assert.deepEqual(out[GRAPH_NAMES.gram('conv5_1')]!.dims, [512, 512]);
    } finally {
      await session.release();
    }
  });
});
