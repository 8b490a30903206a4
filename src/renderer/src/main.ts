// Renderer entry: connects to the engine (Electron bridge or HTTP) and mounts the app.
import { mount } from 'svelte';
import App from './App.svelte';
import { connect } from './lib/connect';
import './styles.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target, props: { connection: connect(window) } });
