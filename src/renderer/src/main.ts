// Renderer entry: connects to the engine (Electron bridge or HTTP) and mounts the app.
import { mount } from 'svelte';
import App from './App.svelte';
import { connect } from './lib/connect';
import { applyTheme, loadPrefs } from './lib/prefs';
import './styles.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
applyTheme(document.documentElement, loadPrefs(localStorage).theme);
mount(App, { target, props: { connection: connect(window) } });
